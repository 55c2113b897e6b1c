using CommunityScale.Notifications;
using CommunityScale.Streams;
using Microsoft.Extensions.Logging;

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
}

[GenerateSerializer, Immutable, Alias("cs.AwardRecord")]
public sealed record AwardRecord([property: Id(0)] string SourceId, [property: Id(1)] int Points, [property: Id(2)] string Week, [property: Id(3)] bool TakenBack = false);

/// <summary>
/// A member's points in a community. Awards are idempotent on the source id (the last <see cref="RecentSources"/> are
/// remembered; sources re-sent after a crash are always among them), capped and diminishing per action and day.
/// Totals go to the leaderboards as absolute values, so a repeated update is harmless; the member hears of each award
/// on their <c>member</c> stream, and of a new level in their inbox.
/// </summary>
public sealed partial class MemberPointsGrain(
    [PersistentState("points", StorageNames.Main)] IPersistentState<MemberPointsState> state,
    TimeProvider clock,
    ILogger<MemberPointsGrain> logger) : Grain, IMemberPointsGrain
{
    public const int RecentSources = 2_000;

    private MemberPointsState S => state.State;

    private (string Community, string User) Key
    {
        get
        {
            var key = this.GetPrimaryKeyString();
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            return (key[..slash], key[(slash + 1)..]);
        }
    }

    public async Task Record(IReadOnlyList<ActivityEvent> events)
    {
        var rules = await GrainFactory.GetGrain<IPointsRulesGrain>(Key.Community).Get();
        var awarded = new List<(ActivityEvent Event, int Points)>();
        foreach (var e in events)
        {
            if (S.Recent.Exists(r => r.SourceId == e.SourceId) || !rules.Actions.TryGetValue(e.Kind, out var rule))
            {
                continue;
            }

            var day = DateOnly.FromDateTime(e.At.UtcDateTime);
            if (day != S.Day)
            {
                (S.Day, S.Today) = (day, new Dictionary<string, int>(StringComparer.Ordinal));
            }

            var nth = S.Today[e.Kind] = S.Today.GetValueOrDefault(e.Kind) + 1;
            var points = PointsMath.Award(rule, nth);
            var week = PointsMath.IsoWeek(e.At);
            S.Recent.Add(new AwardRecord(e.SourceId, points, week));
            S.DisplayName = e.DisplayName;
            Add(points, week);
            awarded.Add((e, points));
        }

        if (S.Recent.Count > RecentSources)
        {
            S.Recent.RemoveRange(0, S.Recent.Count - RecentSources);
        }

        if (awarded.Count == 0)
        {
            return;
        }

        var levelBefore = S.Level;
        S.Level = PointsMath.LevelFor(S.Points, rules.LevelThresholds);
        await state.WriteStateAsync();
        await Announce(awarded.Where(a => a.Points != 0).Select(a => new PointsAwarded(Key.Community, Key.User, a.Points, S.Points, S.Level, a.Event.Kind, a.Event.SourceId)));
        if (S.Level > levelBefore)
        {
            await GrainFactory.GetGrain<INotificationInboxGrain>(Key.User).Post(new NotificationDraft(Key.Community, NotificationKinds.LevelUp,
                $"You reached level {S.Level} with {S.Points} points.", $"level:{Key.Community}:{S.Level}"));
        }
    }

    public async Task TakeBack(string sourceId)
    {
        var index = S.Recent.FindIndex(r => r.SourceId == sourceId);
        if (index < 0 || S.Recent[index] is { TakenBack: true } or { Points: 0 })
        {
            return;
        }

        var record = S.Recent[index];
        S.Recent[index] = record with { TakenBack = true };
        Add(-record.Points, record.Week);
        var rules = await GrainFactory.GetGrain<IPointsRulesGrain>(Key.Community).Get();
        S.Level = PointsMath.LevelFor(S.Points, rules.LevelThresholds);
        await state.WriteStateAsync();
        await Announce([new PointsAwarded(Key.Community, Key.User, -record.Points, S.Points, S.Level, "taken_back", sourceId)]);
    }

    public async Task<PointsProfile> GetProfile()
    {
        var week = PointsMath.IsoWeek(clock.GetUtcNow());
        var rules = await GrainFactory.GetGrain<IPointsRulesGrain>(Key.Community).Get();
        return new PointsProfile(Key.Community, Key.User, S.Points, S.Week == week ? S.WeekPoints : 0, week, S.Level, PointsMath.NextLevelAt(S.Level, rules.LevelThresholds));
    }

    private void Add(int points, string week)
    {
        S.Points = Math.Max(0, S.Points + points);
        if (week == S.Week)
        {
            S.WeekPoints = Math.Max(0, S.WeekPoints + points);
        }
        else if (string.CompareOrdinal(week, S.Week) > 0)
        {
            (S.Week, S.WeekPoints) = (week, Math.Max(0, points));
        }
    }

    /// <summary>Updates the boards (absolute totals), then tells the member. Best effort: both are derived from the stored total.</summary>
    private async Task Announce(IEnumerable<PointsAwarded> awards)
    {
        try
        {
            await Leaderboards.Shard(GrainFactory, Key.Community, Leaderboards.AllTime, Key.User).Set(Key.User, S.DisplayName, S.Points);
            if (S.Week.Length > 0)
            {
                await Leaderboards.Shard(GrainFactory, Key.Community, S.Week, Key.User).Set(Key.User, S.DisplayName, S.WeekPoints);
            }

            var stream = this.GetStreamProvider(StreamNames.Provider).GetStream<MemberStreamEvent>(StreamNames.ForMember(Key.User));
            foreach (var award in awards)
            {
                await stream.OnNextAsync(new PointsPosted(award));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAnnounceFailed(logger, ex, this.GetPrimaryKeyString());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Updating leaderboards or publishing points for {Member} failed; the next award corrects the boards")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception ex, string member);
}
