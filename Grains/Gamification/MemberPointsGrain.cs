using CommunityScale.Campaigns;
using CommunityScale.Communities;
using CommunityScale.FollowUps;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace CommunityScale.Gamification;

/// <summary>
/// A member's points in a community. Awards are idempotent on the source id (the last <see cref="RecentSources"/> are
/// remembered; sources re-sent after a crash are always among them), capped and diminishing per action and day
/// (<see cref="PointsLedger"/>). An award is stored with what it owes (badge, challenge and level notices; the badge
/// and points webhooks) in the grain's <see cref="Outbox"/>, so a replayed award, which earns nothing again, never
/// leaves them undelivered. Totals go to the leaderboards as absolute values, so a repeated update is harmless; the
/// member hears of each award on their <c>member</c> stream (<see cref="PointsAnnouncer"/>).
/// </summary>
public sealed partial class MemberPointsGrain(
    [PersistentState("points", StorageNames.Main)] IPersistentState<MemberPointsState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<OutboxOptions> outboxOptions,
    IOptions<PointsOptions> pointsOptions,
    ILogger<MemberPointsGrain> logger) : Grain, IMemberPointsGrain, IRemindable
{
    public const int RecentSources = 2_000;
    public const int MaxChannels = 200;

    /// <summary>How long a points grain trusts the membership it read (an erasure waits longer before it goes on).</summary>
    public const int MembershipCacheSeconds = 10;

    // The notices went out before the award was answered when they were sent inline; the answer still waits for them
    // (bounded: one that fails stays owed and goes out later, and never fails the award).

    private readonly StateWriter<MemberPointsState> _writer = new(state);
    private MemberKey _key;
    private Outbox _outbox = null!;
    private PointsLedger _ledger = null!;
    private PointsAnnouncer _announcer = null!;
    private IAsyncStream<MemberStreamEvent>? _memberStream;
    private TimeZoneInfo? _zone;
    private MemberInfo? _member;
    private DateTime _memberReadAt;

    private MemberPointsState S => _writer.State;

    private TimeZoneInfo Zone => _zone ??= TimeZoneInfo.TryFindSystemTimeZoneById(S.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = MemberKey.Parse(this.GetPrimaryKeyString());
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, () => _writer.WriteWithin(pointsOptions.Value.WriteDelay), outboxOptions.Value, logger)
        {
            WriteFailed = DeactivateOnIdle,
        };
        _ledger = new PointsLedger(_key, () => S, () => Zone);
        _announcer = new PointsAnnouncer(GrainFactory, _key, () => S, _ledger, MemberStream, logger);
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    public async Task Record(IReadOnlyList<ActivityEvent> events)
    {
        // A replay (a channel re-sending its tail after a restart) costs no rules lookup and no write.
        if (_ledger.AllSeen(events))
        {
            return;
        }

        // A reactor's own activity earns nothing and changes nothing here: it only reaches the KPIs, without lookups or a write.
        if (events.All(e => e.Kind == ActionKinds.ReactionGiven))
        {
            var activity = new Insights.KpiDeltas();
            events.ToList().ForEach(activity.Add);
            if (await Member() is { } reactor)
            {
                _announcer.ReportActivity(activity, reactor.Profile, []);
            }

            return;
        }

        // The lookups are independent: asked together, they cost one round trip, not five.
        var rulesLookup = GrainFactory.GetGrain<IPointsRulesGrain>(_key.CommunityId).Get();
        var challengesLookup = GrainFactory.GetGrain<IChallengesGrain>(_key.CommunityId).List();
        var campaignsLookup = CampaignsFor(events);
        var memberLookup = Member();
        var webhooksLookup = WantedWebhooks();
        await Task.WhenAll(rulesLookup, challengesLookup, campaignsLookup, memberLookup, webhooksLookup);
        if (memberLookup.Result is null)
        {
            // No membership (never joined, or erased while this was on its way): nothing to award, nothing to keep.
            return;
        }

        var (rules, profile) = (rulesLookup.Result, memberLookup.Result.Profile);
        var batch = _ledger.Apply(events, rules, challengesLookup.Result, campaignsLookup.Result, profile);
        if (batch.Awarded.Count == 0)
        {
            await Store();
            _announcer.ReportActivity(batch.Kpis, profile, batch.Given);
            return;
        }

        var levelBefore = S.Level;
        S.Level = PointsMath.LevelFor(S.Points, rules.LevelThresholds);
        _ledger.PruneChallenges(batch.Awarded[^1].Event.At);
        IReadOnlyList<PointsAwarded> awards =
            [.. batch.Awarded.Where(a => a.Points != 0).Select(a => new PointsAwarded(_key.CommunityId, _key.UserId, a.Points, S.Points, S.Level, a.Event.Kind, a.Event.SourceId))];
        var notices = _outbox.AddRange(PointsFollowUps.Notices(_key, batch.Earned, batch.Completed, levelBefore, S.Level, S.Points));
        _outbox.AddRange(PointsFollowUps.Webhooks(_key, webhooksLookup.Result, batch.Earned, awards, clock.GetUtcNow()));
        await Store();
        _announcer.ReportActivity(batch.Kpis, profile, batch.Given);
        _announcer.Touch();
        await _announcer.Campaigns(batch.Contributions.Select(c => (c.Key, c.Value)));
        await _announcer.Badges(batch.Earned);
        await _announcer.Points(awards);
        await _outbox.Settled(notices.Count > 0 ? notices[^1] : null);
    }

    public async Task RecordMessages(string channelId, IReadOnlyList<long> seqs, DateTimeOffset at, IReadOnlyList<TrustThreshold> levels,
        IReadOnlyList<ActivityEvent> events)
    {
        // The membership comes back with the trust count: no second call for it (points call members, never the reverse).
        _member = await GrainFactory.Member(_key).CountMessages(channelId, seqs, at, levels);
        _memberReadAt = DateTime.UtcNow;
        await Record(events);
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
            await Store();
        }
    }

    public async Task Erase()
    {
        // What the outbox still owed goes with the record: notices and webhooks about a member who asked to be forgotten.
        await _writer.Clear();
        _member = null;
        DeactivateOnIdle();
    }

    public async Task TakeBack(string sourceId)
    {
        if (!S.Recent.Exists(r => r.SourceId == sourceId && r is { TakenBack: false, Points: not 0 }))
        {
            return;
        }

        var rulesLookup = GrainFactory.GetGrain<IPointsRulesGrain>(_key.CommunityId).Get();
        var webhooksLookup = WantedWebhooks();
        await Task.WhenAll(rulesLookup, webhooksLookup);
        if (_ledger.TakeBack(sourceId) is not { } record)
        {
            return;
        }

        S.Level = PointsMath.LevelFor(S.Points, rulesLookup.Result.LevelThresholds);
        IReadOnlyList<PointsAwarded> awards = [new PointsAwarded(_key.CommunityId, _key.UserId, -record.Points, S.Points, S.Level, "taken_back", sourceId)];
        _outbox.AddRange(PointsFollowUps.Webhooks(_key, webhooksLookup.Result, [], awards, clock.GetUtcNow()));
        await Store();
        _announcer.Touch();
        await _announcer.Campaigns((record.Campaigns ?? []).Select(c => (c, new CampaignContribution(_key.UserId, -record.Points, 0, false))));
        await _announcer.Points(awards);
    }

    public async Task<PointsProfile> GetProfile()
    {
        var week = Leaderboards.IsoWeek(clock.GetUtcNow());
        var rules = await GrainFactory.GetGrain<IPointsRulesGrain>(_key.CommunityId).Get();
        // A streak is current only while its last day is today or yesterday in the member's zone.
        var today = Streaks.LocalDay(clock.GetUtcNow(), Zone);
        var streak = S.LastLocalDay is { } last && last.AddDays(1) >= today ? S.Streak : 0;
        return new PointsProfile(_key.CommunityId, _key.UserId, S.Points, S.Week == week ? S.WeekPoints : 0, week, S.Level, PointsMath.NextLevelAt(S.Level, rules.LevelThresholds),
            [.. S.Badges], streak, S.BestStreak, S.TimeZone, [.. S.Challenges.Values.OrderBy(c => c.EndsAt)]);
    }

    public async Task<PointsProfile> SetTimeZone(string timeZone)
    {
        if (timeZone is not { Length: > 0 and <= 64 } || !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone))
        {
            throw Errors.CommunityException.Invalid($"'{timeZone}' is not a known IANA time zone (e.g. Europe/Berlin).");
        }

        (S.TimeZone, _zone) = (timeZone, zone);
        await Store();
        return await GetProfile();
    }

    private Task Store() => _outbox.Store();

    /// <summary>
    /// The webhook kinds some endpoint wants: events nobody takes are not recorded (nor is the outbox's reminder armed for
    /// them). Asked at most every 5 s, as a channel does with its policy: an award is the hot path of every message, and
    /// the community's registry is one grain; a new subscription sees awards within that time.
    /// </summary>
    private async Task<IReadOnlyCollection<string>> WantedWebhooks()
    {
        if (_wantedWebhooks is null || DateTime.UtcNow >= _wantedWebhooksUntil)
        {
            _wantedWebhooks = [.. await GrainFactory.GetGrain<IWebhookRegistryGrain>(_key.CommunityId).GetWantedKinds()];
            _wantedWebhooksUntil = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        }

        return _wantedWebhooks;
    }

    private IReadOnlyCollection<string>? _wantedWebhooks;
    private DateTime _wantedWebhooksUntil;

    private async Task<IAsyncStream<MemberStreamEvent>> MemberStream() => _memberStream ??= this.GetStreamProvider(StreamNames.Provider)
        .GetStream<MemberStreamEvent>(StreamNames.ForMember(await GrainFactory.GetGrain<IUserAccountGrain>(_key.UserId).GetStreamKey()));

    /// <summary>The membership (profile for segments and KPIs), read at most every <see cref="MembershipCacheSeconds"/>.</summary>
    private async Task<MemberInfo?> Member()
    {
        if (_member is null || DateTime.UtcNow - _memberReadAt > TimeSpan.FromSeconds(MembershipCacheSeconds))
        {
            _member = await GrainFactory.Member(_key).Get();
            _memberReadAt = DateTime.UtcNow;
        }

        return _member;
    }

    /// <summary>The community's campaigns whose window covers one of <paramref name="events"/>; forgets campaigns no longer listed.</summary>
    private async Task<IReadOnlyList<Campaign>> CampaignsFor(IReadOnlyList<ActivityEvent> events)
    {
        var listed = await GrainFactory.GetGrain<ICampaignDirectoryGrain>(_key.CommunityId).List();
        foreach (var gone in S.CampaignPoints.Keys.Where(id => !listed.Any(c => c.Id == id)).ToList())
        {
            S.CampaignPoints.Remove(gone);
        }

        return [.. listed.Where(c => events.Any(e => c.Covers(e.At)))];
    }
}
