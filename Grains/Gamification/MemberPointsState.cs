using CommunityScale.FollowUps;

namespace CommunityScale.Gamification;

[GenerateSerializer, Alias("cs.MemberPointsState")]
public sealed class MemberPointsState
{
    [Id(0)] public long Points { get; set; }

    [Id(1)] public string Week { get; set; } = "";

    [Id(2)] public long WeekPoints { get; set; }

    [Id(3)] public int Level { get; set; }

    /// <summary>The UTC day the counters below are for.</summary>
    [Id(4)] public DateOnly Day { get; set; }

    /// <summary>Actions of each kind today, for caps and diminishing points.</summary>
    [Id(5)] public Dictionary<string, int> Today { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Points each recent source earned (oldest first); a source seen again earns nothing.</summary>
    [Id(6)] public List<AwardRecord> Recent { get; set; } = [];

    [Id(7)] public string DisplayName { get; set; } = "";

    [Id(8)] public string TimeZone { get; set; } = "UTC";

    [Id(9)] public int Streak { get; set; }

    [Id(10)] public int BestStreak { get; set; }

    /// <summary>The last local day (in <see cref="TimeZone"/>) with activity.</summary>
    [Id(11)] public DateOnly? LastLocalDay { get; set; }

    /// <summary>Lifetime count of each action, for badges.</summary>
    [Id(12)] public Dictionary<string, long> Actions { get; set; } = new(StringComparer.Ordinal);

    [Id(13)] public List<Badge> Badges { get; set; } = [];

    /// <summary>Who reacted to this member's content lately (oldest first), for reaction-ring dampening.</summary>
    [Id(14)] public List<string> RecentReactors { get; set; } = [];

    /// <summary>Progress per challenge id.</summary>
    [Id(15)] public Dictionary<string, ChallengeProgress> Challenges { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Points earned per channel (for channel leaderboards); at most <see cref="MemberPointsGrain.MaxChannels"/>.</summary>
    [Id(16)] public Dictionary<string, long> ChannelPoints { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Points earned in each campaign still listed by the community (for campaign leaderboards).</summary>
    [Id(17)] public Dictionary<string, long> CampaignPoints { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Badge, challenge and level notices and the points and badge webhooks still owed.</summary>
    [Id(18)] public OutboxState Outbox { get; set; } = new();

    /// <summary>
    /// The highest chat seq awarded per channel, as stored before <see cref="ChatChannels"/> held it: read as a mark still,
    /// and a channel's entry leaves this list when the channel is next awarded.
    /// </summary>
    [Id(19)] public List<KeyValuePair<string, long>> ChatAwardedThrough { get; set; } = [];

    /// <summary>
    /// The channels this member chatted in lately, the one awarded most recently last (at most
    /// <see cref="MemberPointsGrain.MaxChannels"/>): each with the highest seq awarded, by which a round handed over
    /// again is recognised, and the awards of the take-back window (at most <see cref="MemberPointsGrain.RecentChatAwards"/>
    /// in all), a few numbers per message where a <see cref="Recent"/> source record carried its message id, week and
    /// channel as strings. The record is written whole on every gathered write, so its size is paid again with every award.
    /// </summary>
    [Id(20)] public List<ChannelChatAwards> ChatChannels { get; set; } = [];
}

[GenerateSerializer, Alias("cs.ChannelChatAwards")]
public sealed class ChannelChatAwards
{
    [Id(0)] public string ChannelId { get; set; } = "";

    /// <summary>In seq order.</summary>
    [Id(1)] public List<ChatAward> Awards { get; set; } = [];

    [Id(2)] public long AwardedThrough { get; set; }
}

/// <summary>
/// What one chat message earned, for a moderator's removal to take back: <see cref="Week"/> as a number (2026-W49 is
/// 202649); a taken-back award keeps its place with no points left.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ChatAward")]
public readonly record struct ChatAward(
    [property: Id(0)] long Seq,
    [property: Id(1)] int Points,
    [property: Id(2)] int Week,
    [property: Id(3)] IReadOnlyList<string>? Campaigns = null)
{
    public static int WeekNumber(string isoWeek) =>
        int.Parse(isoWeek.AsSpan(0, 4), System.Globalization.CultureInfo.InvariantCulture) * 100
        + int.Parse(isoWeek.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture);

    public string IsoWeek => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Week / 100}-W{Week % 100:00}");
}

[GenerateSerializer, Immutable, Alias("cs.AwardRecord")]
public sealed record AwardRecord(
    [property: Id(0)] string SourceId,
    [property: Id(1)] int Points,
    [property: Id(2)] string Week,
    [property: Id(3)] bool TakenBack = false,
    [property: Id(4)] string? ChannelId = null,
    [property: Id(5)] IReadOnlyList<string>? Campaigns = null);
