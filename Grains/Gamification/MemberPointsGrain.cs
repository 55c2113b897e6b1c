using CommunityScale.Campaigns;
using CommunityScale.Communities;
using CommunityScale.Insights;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

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
}

[GenerateSerializer, Immutable, Alias("cs.AwardRecord")]
public sealed record AwardRecord(
    [property: Id(0)] string SourceId,
    [property: Id(1)] int Points,
    [property: Id(2)] string Week,
    [property: Id(3)] bool TakenBack = false,
    [property: Id(4)] string? ChannelId = null,
    [property: Id(5)] IReadOnlyList<string>? Campaigns = null);

/// <summary>
/// A member's points in a community. Awards are idempotent on the source id (the last <see cref="RecentSources"/> are
/// remembered; sources re-sent after a crash are always among them), capped and diminishing per action and day.
/// Totals go to the leaderboards as absolute values, so a repeated update is harmless; the member hears of each award
/// on their <c>member</c> stream, and of a new level in their inbox.
/// </summary>
public sealed partial class MemberPointsGrain(
    [PersistentState("points", StorageNames.Main)] IPersistentState<MemberPointsState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    ILogger<MemberPointsGrain> logger) : Grain, IMemberPointsGrain
{
    public const int RecentSources = 2_000;
    public const int MaxChannels = 200;
    private readonly HashSet<string> _changedChannels = new(StringComparer.Ordinal);

    private MemberPointsState S => state.State;

    private MemberKey Key => MemberKey.Parse(this.GetPrimaryKeyString());

    public async Task Record(IReadOnlyList<ActivityEvent> events)
    {
        // A replay (a channel re-sending its tail after a restart) costs no rules lookup and no write.
        if (events.All(e => S.Recent.Exists(r => r.SourceId == e.SourceId)))
        {
            return;
        }

        // A reactor's own activity earns nothing and changes nothing here: it only reaches the KPIs, without lookups or a write.
        if (events.All(e => e.Kind == ActionKinds.ReactionGiven))
        {
            var activity = new KpiDeltas();
            events.ToList().ForEach(activity.Add);
            if (await Member() is { } reactor)
            {
                ReportActivity(activity, reactor.Profile, []);
            }

            return;
        }

        // The lookups are independent: asked together, they cost one round trip, not four.
        var rulesLookup = GrainFactory.GetGrain<IPointsRulesGrain>(Key.CommunityId).Get();
        var challengesLookup = GrainFactory.GetGrain<IChallengesGrain>(Key.CommunityId).List();
        var campaignsLookup = CampaignsFor(events);
        var memberLookup = Member();
        await Task.WhenAll(rulesLookup, challengesLookup, campaignsLookup, memberLookup);
        if (memberLookup.Result is null)
        {
            // No membership (never joined, or erased while this was on its way): nothing to award, nothing to keep.
            return;
        }

        var (rules, challenges, campaigns, profile) = (rulesLookup.Result, challengesLookup.Result, campaignsLookup.Result, memberLookup.Result.Profile);
        var kpis = new KpiDeltas();
        var given = new List<ActivityEvent>();
        var contributions = new Dictionary<string, CampaignContribution>(StringComparer.Ordinal);
        var awarded = new List<(ActivityEvent Event, int Points)>();
        var earned = new List<Badge>();
        var completed = new List<Challenge>();
        foreach (var e in events)
        {
            if (S.Recent.Exists(r => r.SourceId == e.SourceId))
            {
                continue;
            }

            if (!rules.Actions.TryGetValue(e.Kind, out var rule))
            {
                // No points, still activity. Given reactions are not kept as sources: their only effect (active that
                // day) is idempotent, and a busy reactor would push real sources out of the replay window.
                kpis.Add(e);
                if (e.Kind != ActionKinds.ReactionGiven)
                {
                    S.Recent.Add(new AwardRecord(e.SourceId, 0, Leaderboards.IsoWeek(e.At)));
                }

                continue;
            }

            var day = DateOnly.FromDateTime(e.At.UtcDateTime);
            if (day != S.Day)
            {
                (S.Day, S.Today) = (day, new Dictionary<string, int>(StringComparer.Ordinal));
            }

            var factor = 1.0;
            if (e.Kind == ActionKinds.ReactionReceived && e.ActorId is { } reactor)
            {
                factor = ReactionFarming.Factor(reactor, Key.UserId, S.RecentReactors);
                if (reactor == Key.UserId)
                {
                    // Reacting to your own content is not activity at all: no points, no cap used, no streak.
                    S.Recent.Add(new AwardRecord(e.SourceId, 0, Leaderboards.IsoWeek(e.At)));
                    continue;
                }

                given.Add(new ActivityEvent($"{e.SourceId}/given", Key.CommunityId, reactor, "", ActionKinds.ReactionGiven, e.At, e.ChannelId, null, e.ThreadId, e.EventId));
                S.RecentReactors.Add(reactor);
                if (S.RecentReactors.Count > ReactionFarming.Window)
                {
                    S.RecentReactors.RemoveAt(0);
                }
            }

            var nth = S.Today[e.Kind] = S.Today.GetValueOrDefault(e.Kind) + 1;
            var applying = campaigns.Where(c => CampaignRules.Applies(c, e, profile)).ToList();
            var points = CampaignRules.Boosted((int)Math.Floor(PointsMath.Award(rule, nth) * factor), applying);
            foreach (var campaign in applying)
            {
                var before = contributions.GetValueOrDefault(campaign.Id) ?? new CampaignContribution(Key.UserId, 0, 0, !S.CampaignPoints.ContainsKey(campaign.Id));
                contributions[campaign.Id] = before with { Points = before.Points + points, Posts = before.Posts + (e.IsPost ? 1 : 0) };
                S.CampaignPoints[campaign.Id] = S.CampaignPoints.GetValueOrDefault(campaign.Id) + points;
            }

            var week = Leaderboards.IsoWeek(e.At);
            S.Actions[e.Kind] = S.Actions.GetValueOrDefault(e.Kind) + 1;
            var localDay = Streaks.LocalDay(e.At, Zone);
            S.Streak = Streaks.Next(S.LastLocalDay, S.Streak, localDay);
            S.LastLocalDay = S.LastLocalDay is { } last && last > localDay ? last : localDay;
            S.BestStreak = Math.Max(S.BestStreak, S.Streak);
            CollectBadges(e.At, earned);
            foreach (var challenge in challenges.Where(c => c.Kind == e.Kind && c.Covers(e.At)))
            {
                var progress = S.Challenges.GetValueOrDefault(challenge.Id) ?? new ChallengeProgress(challenge.Id, challenge.Title, 0, challenge.Target, challenge.EndsAt, null);
                if (progress.CompletedAt is not null)
                {
                    continue;
                }

                progress = progress with { Progress = progress.Progress + 1 };
                if (progress.Progress >= challenge.Target)
                {
                    // The bonus is an award of its own, once per challenge.
                    progress = progress with { CompletedAt = e.At };
                    var bonusSource = $"challenge:{challenge.Id}";
                    S.Recent.Add(new AwardRecord(bonusSource, challenge.BonusPoints, week));
                    Add(challenge.BonusPoints, week);
                    awarded.Add((e with { SourceId = bonusSource, Kind = "challenge" }, challenge.BonusPoints));
                    completed.Add(challenge);
                }

                S.Challenges[challenge.Id] = progress;
            }
            kpis.Add(e);
            S.Recent.Add(new AwardRecord(e.SourceId, points, week, ChannelId: e.ChannelId, Campaigns: applying.Count == 0 ? null : [.. applying.Select(c => c.Id)]));
            S.DisplayName = e.DisplayName;
            Add(points, week);
            AddToChannel(e.ChannelId, points);
            awarded.Add((e, points));
        }

        if (S.Recent.Count > RecentSources)
        {
            S.Recent.RemoveRange(0, S.Recent.Count - RecentSources);
        }

        if (awarded.Count == 0)
        {
            await state.WriteStateAsync();
            ReportActivity(kpis, profile, given);
            return;
        }

        var levelBefore = S.Level;
        S.Level = PointsMath.LevelFor(S.Points, rules.LevelThresholds);
        // Progress on challenges long over is dropped, so the state stays bounded.
        var latest = awarded[^1].Event.At;
        foreach (var stale in S.Challenges.Where(c => c.Value.EndsAt < latest - TimeSpan.FromDays(30)).Select(c => c.Key).ToList())
        {
            S.Challenges.Remove(stale);
        }

        await state.WriteStateAsync();
        ReportActivity(kpis, profile, given);
        GrainFactory.GetGrain<Integrations.IMemberChangeFeedGrain>(Key.CommunityId).Touch(Key.UserId).Ignore();
        await AnnounceCampaigns(contributions.Select(c => (c.Key, c.Value)));
        await AnnounceBadges(earned);
        foreach (var challenge in completed)
        {
            await GrainFactory.GetGrain<INotificationInboxGrain>(Key.UserId).Post(new NotificationDraft(Key.CommunityId, NotificationKinds.ChallengeCompleted,
                $"Challenge complete: {challenge.Title} (+{challenge.BonusPoints} points).", $"challenge:{Key.CommunityId}:{challenge.Id}"));
        }
        await Announce(awarded.Where(a => a.Points != 0).Select(a => new PointsAwarded(Key.CommunityId, Key.UserId, a.Points, S.Points, S.Level, a.Event.Kind, a.Event.SourceId)));
        if (S.Level > levelBefore)
        {
            await GrainFactory.GetGrain<INotificationInboxGrain>(Key.UserId).Post(new NotificationDraft(Key.CommunityId, NotificationKinds.LevelUp,
                $"You reached level {S.Level} with {S.Points} points.", $"level:{Key.CommunityId}:{S.Level}"));
        }
    }

    public async Task ForgetReactor(string userId, string pseudonym)
    {
        var marker = $":{userId}:";
        var changed = false;
        for (var i = 0; i < S.RecentReactors.Count; i++)
        {
            if (S.RecentReactors[i] == userId)
            {
                S.RecentReactors[i] = pseudonym;
                changed = true;
            }
        }

        for (var i = 0; i < S.Recent.Count; i++)
        {
            if (S.Recent[i].SourceId.Contains(marker, StringComparison.Ordinal))
            {
                S.Recent[i] = S.Recent[i] with { SourceId = S.Recent[i].SourceId.Replace(marker, $":{pseudonym}:", StringComparison.Ordinal) };
                changed = true;
            }
        }

        if (changed)
        {
            await state.WriteStateAsync();
        }
    }

    public async Task Erase()
    {
        await state.ClearStateAsync();
        _member = null;
        DeactivateOnIdle();
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
        AddToChannel(record.ChannelId, -record.Points);
        foreach (var campaign in record.Campaigns ?? [])
        {
            if (S.CampaignPoints.TryGetValue(campaign, out var earnedThere))
            {
                S.CampaignPoints[campaign] = Math.Max(0, earnedThere - record.Points);
            }
        }

        var rules = await GrainFactory.GetGrain<IPointsRulesGrain>(Key.CommunityId).Get();
        S.Level = PointsMath.LevelFor(S.Points, rules.LevelThresholds);
        await state.WriteStateAsync();
        GrainFactory.GetGrain<Integrations.IMemberChangeFeedGrain>(Key.CommunityId).Touch(Key.UserId).Ignore();
        await AnnounceCampaigns((record.Campaigns ?? []).Select(c => (c, new CampaignContribution(Key.UserId, -record.Points, 0, false))));
        await Announce([new PointsAwarded(Key.CommunityId, Key.UserId, -record.Points, S.Points, S.Level, "taken_back", sourceId)]);
    }

    public async Task<PointsProfile> GetProfile()
    {
        var week = Leaderboards.IsoWeek(clock.GetUtcNow());
        var rules = await GrainFactory.GetGrain<IPointsRulesGrain>(Key.CommunityId).Get();
        // A streak is current only while its last day is today or yesterday in the member's zone.
        var today = Streaks.LocalDay(clock.GetUtcNow(), Zone);
        var streak = S.LastLocalDay is { } last && last.AddDays(1) >= today ? S.Streak : 0;
        return new PointsProfile(Key.CommunityId, Key.UserId, S.Points, S.Week == week ? S.WeekPoints : 0, week, S.Level, PointsMath.NextLevelAt(S.Level, rules.LevelThresholds),
            [.. S.Badges], streak, S.BestStreak, S.TimeZone, [.. S.Challenges.Values.OrderBy(c => c.EndsAt)]);
    }

    public async Task<PointsProfile> SetTimeZone(string timeZone)
    {
        if (timeZone is not { Length: > 0 and <= 64 } || !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone))
        {
            throw Errors.CommunityException.Invalid($"'{timeZone}' is not a known IANA time zone (e.g. Europe/Berlin).");
        }

        (S.TimeZone, _zone) = (timeZone, zone);
        await state.WriteStateAsync();
        return await GetProfile();
    }

    private TimeZoneInfo? _zone;

    private TimeZoneInfo Zone => _zone ??= TimeZoneInfo.TryFindSystemTimeZoneById(S.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>Gives each badge the record now qualifies for and has not had, dated by the event that earned it.</summary>
    private void CollectBadges(DateTimeOffset at, List<Badge> earned)
    {
        foreach (var (id, tier) in BadgeRules.Qualifying(S.Actions, S.BestStreak))
        {
            if (!S.Badges.Exists(b => b.Id == id && b.Tier == tier))
            {
                var badge = new Badge(id, tier, at);
                S.Badges.Add(badge);
                earned.Add(badge);
            }
        }
    }

    private async Task AnnounceBadges(List<Badge> earned)
    {
        foreach (var badge in earned)
        {
            try
            {
                await (await MemberStream()).OnNextAsync(new BadgePosted(new BadgeEarned(Key.CommunityId, Key.UserId, badge)));
                Integrations.Webhooks.Raise(GrainFactory, Key.CommunityId, Integrations.WebhookEventKinds.BadgeAwarded, badge.At, new BadgeEarned(Key.CommunityId, Key.UserId, badge));
                await GrainFactory.GetGrain<INotificationInboxGrain>(Key.UserId).Post(new NotificationDraft(Key.CommunityId, NotificationKinds.BadgeEarned,
                    $"You earned the {badge.Tier.ToString().ToLowerInvariant()} '{badge.Id}' badge.", $"badge:{Key.CommunityId}:{badge.Id}:{badge.Tier}"));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogAnnounceFailed(logger, ex, this.GetPrimaryKeyString());
            }
        }
    }

    /// <summary>
    /// After the write, one-way: the day buckets of the KPIs, and the reactors' own activity (their points grains
    /// record it with their profile). A crash before this loses the KPI delta, never an award.
    /// </summary>
    private void ReportActivity(KpiDeltas kpis, IReadOnlyDictionary<string, IReadOnlyList<string>>? profile, List<ActivityEvent> given)
    {
        var tags = KpiMath.Tags(profile);
        foreach (var activity in kpis.For(Key.UserId, tags))
        {
            GrainFactory.GetGrain<IKpiWeekGrain>($"{Key.CommunityId}/{KpiMath.Week(activity.Day)}").Record(activity).Ignore();
        }

        foreach (var reaction in given)
        {
            GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(Key.CommunityId, reaction.UserId)).Record([reaction]).Ignore();
        }
    }

    private IAsyncStream<MemberStreamEvent>? _memberStream;

    // The community's weekly rollover is armed from its first weekly points; once per activation is enough.
    private bool _weeklyRolloverArmed;

    private async Task<IAsyncStream<MemberStreamEvent>> MemberStream() => _memberStream ??= this.GetStreamProvider(StreamNames.Provider)
        .GetStream<MemberStreamEvent>(StreamNames.ForMember(await GrainFactory.GetGrain<IUserAccountGrain>(Key.UserId).GetStreamKey()));

    private MemberInfo? _member;
    private DateTime _memberReadAt;

    /// <summary>How long a points grain trusts the membership it read (an erasure waits longer before it goes on).</summary>
    public const int MembershipCacheSeconds = 10;

    /// <summary>The membership (profile for segments and KPIs), read at most every <see cref="MembershipCacheSeconds"/>.</summary>
    private async Task<MemberInfo?> Member()
    {
        if (_member is null || DateTime.UtcNow - _memberReadAt > TimeSpan.FromSeconds(MembershipCacheSeconds))
        {
            _member = await GrainFactory.GetGrain<IMemberGrain>(this.GetPrimaryKeyString()).Get();
            _memberReadAt = DateTime.UtcNow;
        }

        return _member;
    }

    /// <summary>The community's campaigns whose window covers one of <paramref name="events"/>; forgets campaigns no longer listed.</summary>
    private async Task<IReadOnlyList<Campaign>> CampaignsFor(IReadOnlyList<ActivityEvent> events)
    {
        var listed = await GrainFactory.GetGrain<ICampaignDirectoryGrain>(Key.CommunityId).List();
        foreach (var gone in S.CampaignPoints.Keys.Where(id => !listed.Any(c => c.Id == id)).ToList())
        {
            S.CampaignPoints.Remove(gone);
        }

        return [.. listed.Where(c => events.Any(e => c.Covers(e.At)))];
    }

    /// <summary>Campaign boards (absolute totals) and figures. Best effort, like the other boards: derived from the stored totals.</summary>
    private async Task AnnounceCampaigns(IEnumerable<(string CampaignId, CampaignContribution Contribution)> contributions)
    {
        foreach (var (campaignId, contribution) in contributions)
        {
            try
            {
                await Leaderboards.Shard(GrainFactory, Key.CommunityId, Leaderboards.ForCampaign(campaignId), Key.UserId)
                    .Set(Key.UserId, S.DisplayName, S.CampaignPoints.GetValueOrDefault(campaignId));
                await GrainFactory.GetGrain<ICampaignGrain>($"{Key.CommunityId}/{campaignId}").Record(contribution);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogAnnounceFailed(logger, ex, this.GetPrimaryKeyString());
            }
        }
    }

    private void AddToChannel(string? channelId, int points)
    {
        if (channelId is null || points == 0)
        {
            return;
        }

        S.ChannelPoints[channelId] = Math.Max(0, S.ChannelPoints.GetValueOrDefault(channelId) + points);
        _changedChannels.Add(channelId);
        if (S.ChannelPoints.Count > MaxChannels)
        {
            // A member active in more channels than that keeps their biggest; the smallest leaves its board's memory here.
            S.ChannelPoints.Remove(S.ChannelPoints.MinBy(c => c.Value).Key);
        }
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
    private async Task Announce(IEnumerable<PointsAwarded> awarded)
    {
        IReadOnlyList<PointsAwarded> awards = [.. awarded];
        try
        {
            await Leaderboards.Shard(GrainFactory, Key.CommunityId, Leaderboards.AllTime, Key.UserId).Set(Key.UserId, S.DisplayName, S.Points);
            if (S.Week.Length > 0)
            {
                await Leaderboards.Shard(GrainFactory, Key.CommunityId, S.Week, Key.UserId).Set(Key.UserId, S.DisplayName, S.WeekPoints);
                if (!_weeklyRolloverArmed)
                {
                    GrainFactory.GetGrain<IWeeklyBoardsGrain>(Key.CommunityId).Ensure().Ignore();
                    _weeklyRolloverArmed = true;
                }
            }

            foreach (var channel in _changedChannels)
            {
                await Leaderboards.Shard(GrainFactory, Key.CommunityId, Leaderboards.ForChannel(channel), Key.UserId)
                    .Set(Key.UserId, S.DisplayName, S.ChannelPoints.GetValueOrDefault(channel));
            }

            _changedChannels.Clear();

            var stream = await MemberStream();
            foreach (var award in awards)
            {
                await stream.OnNextAsync(new PointsPosted(award));
            }

            Integrations.Webhooks.Raise(GrainFactory, Key.CommunityId, Integrations.WebhookEventKinds.PointsAwarded, clock.GetUtcNow(), awards);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAnnounceFailed(logger, ex, this.GetPrimaryKeyString());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Updating leaderboards or publishing points for {Member} failed; the next award corrects the boards")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception ex, string member);
}
