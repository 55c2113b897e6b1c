using CommunityScale.Communities;
using Orleans.Concurrency;

namespace CommunityScale.Gamification;

/// <summary>The actions points are given for. Later issues raise the ones chat does not (threads, events, polls, surveys).</summary>
public static class ActionKinds
{
    public const string MessageAccepted = "message_accepted";
    public const string ThreadCreated = "thread_created";
    public const string Reply = "reply";
    public const string ReactionReceived = "reaction_received";
    public const string AnswerAccepted = "answer_accepted";
    public const string EventCheckIn = "event_checkin";
    public const string PollVote = "poll_vote";
    public const string SurveyAnswered = "survey_answered";

    /// <summary>Reacting to someone's content: activity for the KPIs, never points (it would invite farming).</summary>
    public const string ReactionGiven = "reaction_given";

    public static IReadOnlyList<string> All { get; } =
        [MessageAccepted, ThreadCreated, Reply, ReactionReceived, AnswerAccepted, EventCheckIn, PollVote, SurveyAnswered];
}

/// <summary>
/// Points for one action: <see cref="Points"/> for each of the first <see cref="FullPerDay"/> of a member's actions of
/// this kind in a day, then half as many again for each further one (diminishing, rounded down), and nothing past
/// <see cref="DailyCap"/> actions that day.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ActionRule")]
public sealed record ActionRule([property: Id(0)] int Points, [property: Id(1)] int FullPerDay, [property: Id(2)] int DailyCap);

/// <summary>A community's points rules (per action) and level thresholds (points needed for level 1, 2, …).</summary>
[GenerateSerializer, Immutable, Alias("cs.PointsRules")]
public sealed record PointsRules(
    [property: Id(0)] IReadOnlyDictionary<string, ActionRule> Actions,
    [property: Id(1)] IReadOnlyList<long> LevelThresholds,
    [property: Id(2)] long Version)
{
    public const int MaxPoints = 10_000;
    public const int MaxLevels = 100;

    public static PointsRules Default { get; } = new(
        new Dictionary<string, ActionRule>
        {
            [ActionKinds.MessageAccepted] = new(1, 20, 50),
            [ActionKinds.ThreadCreated] = new(5, 5, 10),
            [ActionKinds.Reply] = new(2, 10, 30),
            [ActionKinds.ReactionReceived] = new(1, 20, 50),
            [ActionKinds.AnswerAccepted] = new(15, 5, 10),
            [ActionKinds.EventCheckIn] = new(10, 3, 5),
            [ActionKinds.PollVote] = new(1, 10, 20),
            [ActionKinds.SurveyAnswered] = new(5, 3, 5),
        },
        [10, 50, 150, 400, 1_000, 2_500, 6_000, 15_000],
        0);
}

/// <summary>A change to the rules (<c>PUT /api/communities/{c}/gamification/rules</c>); what is null stays. Listed actions replace theirs.</summary>
[GenerateSerializer, Immutable, Alias("cs.PointsRulesUpdate")]
public sealed record PointsRulesUpdate(
    [property: Id(0)] IReadOnlyDictionary<string, ActionRule>? Actions,
    [property: Id(1)] IReadOnlyList<long>? LevelThresholds);

/// <summary>
/// Something a member did that may earn points; <see cref="SourceId"/> makes each award happen once.
/// <see cref="Sentiment"/>: a post's class by the sentiment model, for the KPIs' counts (the text itself never travels).
/// <see cref="Seq"/>: a chat message's seq in its channel (<see cref="ChannelId"/>), by which its award is kept and taken back.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ActivityEvent")]
public sealed record ActivityEvent(
    [property: Id(0)] string SourceId,
    [property: Id(1)] string CommunityId,
    [property: Id(2)] string UserId,
    [property: Id(3)] string DisplayName,
    [property: Id(4)] string Kind,
    [property: Id(5)] DateTimeOffset At,
    [property: Id(6)] string? ChannelId,
    [property: Id(7)] string? ActorId = null,
    [property: Id(8)] string? ThreadId = null,
    [property: Id(9)] string? EventId = null,
    [property: Id(10)] string? Sentiment = null,
    [property: Id(11)] long? Seq = null)
{
    /// <summary>Creating content, as campaigns count "posts": messages, threads and replies.</summary>
    public bool IsPost => Kind is ActionKinds.MessageAccepted or ActionKinds.ThreadCreated or ActionKinds.Reply;
}

/// <summary>
/// A member's standing in a community: points (all time and this ISO week), level, badges, and the daily streak (days
/// in a row with an awarded action, counted in the member's <see cref="TimeZone"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.PointsProfile")]
public sealed record PointsProfile(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string UserId,
    [property: Id(2)] long Points,
    [property: Id(3)] long WeekPoints,
    [property: Id(4)] string Week,
    [property: Id(5)] int Level,
    [property: Id(6)] long? NextLevelAt,
    [property: Id(7)] IReadOnlyList<Badge>? Badges = null,
    [property: Id(8)] int Streak = 0,
    [property: Id(9)] int BestStreak = 0,
    [property: Id(10)] string TimeZone = "UTC",
    [property: Id(11)] IReadOnlyList<ChallengeProgress>? Challenges = null);

/// <summary>
/// A time-boxed goal: do <see cref="Target"/> actions of <see cref="Kind"/> between <see cref="StartsAt"/> and
/// <see cref="EndsAt"/> (UTC) and earn <see cref="BonusPoints"/> once.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.Challenge")]
public sealed record Challenge(
    [property: Id(0)] string Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string Kind,
    [property: Id(3)] int Target,
    [property: Id(4)] DateTimeOffset StartsAt,
    [property: Id(5)] DateTimeOffset EndsAt,
    [property: Id(6)] int BonusPoints)
{
    public bool Covers(DateTimeOffset at) => at >= StartsAt && at < EndsAt;
}

/// <summary>A member's progress on a challenge; <see cref="CompletedAt"/> once the target is reached.</summary>
[GenerateSerializer, Immutable, Alias("cs.ChallengeProgress")]
public sealed record ChallengeProgress(
    [property: Id(0)] string ChallengeId,
    [property: Id(1)] string Title,
    [property: Id(2)] int Progress,
    [property: Id(3)] int Target,
    [property: Id(4)] DateTimeOffset EndsAt,
    [property: Id(5)] DateTimeOffset? CompletedAt);

/// <summary>A community's challenges (key: community id): admins create them; members' points grains count progress.</summary>
[Alias("cs.IChallengesGrain")]
public interface IChallengesGrain : IGrainWithStringKey
{
    [Alias("Create")]
    Task<Challenge> Create(Challenge challenge, Communities.Actor caller);

    /// <summary>Challenges not ended more than 30 days ago, soonest ending first.</summary>
    [Alias("List")]
    Task<IReadOnlyList<Challenge>> List();
}

[GenerateSerializer, Alias("cs.BadgeTier")]
public enum BadgeTier
{
    Bronze = 0,
    Silver = 1,
    Gold = 2,
}

/// <summary>A badge a member earned, once, with when. <see cref="Id"/>: <c>first_message</c>, <c>messages</c>, <c>streak</c>, <c>first_answer</c>, <c>event_attendee</c>.</summary>
[GenerateSerializer, Immutable, Alias("cs.Badge")]
public sealed record Badge([property: Id(0)] string Id, [property: Id(1)] BadgeTier Tier, [property: Id(2)] DateTimeOffset At);

/// <summary>The payload of the <c>BadgeEarned</c> hub event.</summary>
[GenerateSerializer, Immutable, Alias("cs.BadgeEarned")]
public sealed record BadgeEarned([property: Id(0)] string CommunityId, [property: Id(1)] string UserId, [property: Id(2)] Badge Badge);

/// <summary>The payload of the <c>PointsAwarded</c> hub event (negative <see cref="Points"/>: taken back after a removal).</summary>
[GenerateSerializer, Immutable, Alias("cs.PointsAwarded")]
public sealed record PointsAwarded(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string UserId,
    [property: Id(2)] int Points,
    [property: Id(3)] long Total,
    [property: Id(4)] int Level,
    [property: Id(5)] string Kind,
    [property: Id(6)] string SourceId);

[GenerateSerializer, Immutable, Alias("cs.LeaderboardEntry")]
public sealed record LeaderboardEntry(
    [property: Id(0)] long Rank,
    [property: Id(1)] string UserId,
    [property: Id(2)] string DisplayName,
    [property: Id(3)] long Points);

/// <summary>A page of a leaderboard: entries from rank <c>offset + 1</c>, and how many members are on it.</summary>
[GenerateSerializer, Immutable, Alias("cs.LeaderboardPage")]
public sealed record LeaderboardPage(
    [property: Id(0)] string Board,
    [property: Id(1)] IReadOnlyList<LeaderboardEntry> Entries,
    [property: Id(2)] long Members);

/// <summary>A community's points rules (key: community id). Admins and the owner change them.</summary>
[Alias("cs.IPointsRulesGrain")]
public interface IPointsRulesGrain : IGrainWithStringKey
{
    [Alias("Get")]
    Task<PointsRules> Get();

    [Alias("Update")]
    Task<PointsRules> Update(PointsRulesUpdate update, Actor caller);
}

/// <summary>One member's points in one community (key: <c>community/user</c>): awards once per source, caps, levels.</summary>
[Alias("cs.IMemberPointsGrain")]
public interface IMemberPointsGrain : IGrainWithStringKey
{
    /// <summary>Applies activity events in order; an event whose source was seen before changes nothing.</summary>
    [Alias("Record")]
    Task Record(IReadOnlyList<ActivityEvent> events);

    /// <summary>
    /// A channel's accepted messages by this member, in one call per author per award round: they earn points and reach
    /// the KPIs as <see cref="Record"/> does, and count towards trust. Answered once they are stored: the grain gathers
    /// what many channels hand it into one write (and one trust count) per <c>Points:WriteDelay</c>, so the call waits
    /// for that write and throws when it failed or the activation went without it (the caller then hands the round over
    /// again). A round handed over again counts once and awards nothing twice. Interleaves: the grain applies the awards
    /// in its own turn order, and waiting for the write never holds it. Its own response timeout, above the largest
    /// <c>Points:WriteDelay</c> allowed (30 s): under the shipped 5-s <c>Orleans:Messaging:ResponseTimeout</c> a 5-s
    /// delay plus the write would expire routinely, with no fault.
    /// </summary>
    [Alias("AwardChannelMessages"), AlwaysInterleave, ResponseTimeout("00:01:00")]
    Task AwardMessages(string channelId, IReadOnlyList<long> seqs, DateTimeOffset at, IReadOnlyList<Moderation.TrustThreshold> levels,
        IReadOnlyList<ActivityEvent> events);

    /// <summary>Takes back what a source earned (moderation removed the content); a no-op when it earned nothing.</summary>
    [Alias("TakeBack")]
    Task TakeBack(string sourceId);

    /// <summary>Takes back what a chat message earned (a moderator removed it), found by its channel and seq; <paramref name="sourceId"/> finds an award kept before seqs were.</summary>
    [Alias("TakeBackChat")]
    Task TakeBackChat(string channelId, long seq, string sourceId);

    /// <summary>Erasure of a member who reacted to this one: farming memory and award sources name the pseudonym instead.</summary>
    [Alias("ForgetReactor")]
    Task ForgetReactor(string userId, string pseudonym);

    /// <summary>Erasure of this member: points, badges, streaks and sources are deleted.</summary>
    [Alias("Erase")]
    Task Erase();

    [Alias("GetProfile")]
    Task<PointsProfile> GetProfile();

    /// <summary>Sets the IANA time zone the member's days (streaks) are counted in; <c>invalid</c> when unknown.</summary>
    [Alias("SetTimeZone")]
    Task<PointsProfile> SetTimeZone(string timeZone);
}

/// <summary>
/// One shard of a leaderboard (key: <c>community/board/shard</c>; board <c>all</c>, an ISO week like <c>2026-W48</c>,
/// <c>channel.{id}</c> or <c>campaign.{id}</c>). Members are spread over the board's shards (<c>Leaderboards.ShardsOf</c>)
/// by a hash of their id; readers merge the shards' top entries.
/// </summary>
[Alias("cs.ILeaderboardShardGrain")]
public interface ILeaderboardShardGrain : IGrainWithStringKey
{
    /// <summary>Members' absolute totals (their <see cref="LeaderboardEntry.Rank"/> is ignored); a silo's points grains send theirs gathered (<c>GatheredUpdates</c>).</summary>
    [Alias("SetMany")]
    Task SetMany(IReadOnlyList<LeaderboardEntry> entries);

    [Alias("Remove")]
    Task Remove(string userId);

    [Alias("Top")]
    Task<IReadOnlyList<LeaderboardEntry>> Top(int count);

    /// <summary>The member's entry here (null if absent) and how many entries here rank above <paramref name="points"/>.</summary>
    [Alias("Standing")]
    Task<(LeaderboardEntry? Mine, long Above)> Standing(string userId, long points);

    [Alias("Count")]
    Task<int> Count();

    /// <summary>Forgets this shard: a former shard of a board that now has fewer, once its entries are merged into the one it folds into.</summary>
    [Alias("DropLegacy")]
    Task DropLegacy();
}

/// <summary>Reads a leaderboard (key: <c>community/board</c>) by merging its shards; keeps no state.</summary>
[Alias("cs.ILeaderboardGrain")]
public interface ILeaderboardGrain : IGrainWithStringKey
{
    /// <summary>Entries ranked <paramref name="offset"/> + 1 … + <paramref name="limit"/> (ties: by user id).</summary>
    [Alias("Page")]
    Task<LeaderboardPage> Page(int offset, int limit);

    /// <summary>The member's rank and points, or null when they have none on this board.</summary>
    [Alias("Me")]
    Task<LeaderboardEntry?> Me(string userId);
}

/// <summary>A closed week's board: its top three, how many were on it, when it was closed.</summary>
[GenerateSerializer, Immutable, Alias("cs.WeekResult")]
public sealed record WeekResult(
    [property: Id(0)] string Week,
    [property: Id(1)] IReadOnlyList<LeaderboardEntry> Top,
    [property: Id(2)] long Members,
    [property: Id(3)] DateTimeOffset ClosedAt);

/// <summary>
/// A community's weekly rollover (key: community id): an Orleans reminder closes each ISO week at Monday 00:00 UTC,
/// keeps its final top three and tells them where they finished; the new week's board starts empty.
/// </summary>
[Alias("cs.IWeeklyBoardsGrain")]
public interface IWeeklyBoardsGrain : IGrainWithStringKey
{
    /// <summary>Arms the reminder (points grains call it once per activation; idempotent).</summary>
    [Orleans.Concurrency.OneWay]
    [Alias("Ensure")]
    Task Ensure();

    /// <summary>Closed weeks, newest first (the last 52).</summary>
    [Alias("Past")]
    Task<IReadOnlyList<WeekResult>> Past();

    /// <summary>Erasure: the member leaves every closed week's top three (those below them move up a place; no fourth is added).</summary>
    [Alias("ForgetMember")]
    Task ForgetMember(string userId);
}
