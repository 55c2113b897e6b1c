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
/// A member's points in a community. Awards are idempotent: a chat message by its channel's seq mark, any other source
/// by its id (the last <see cref="RecentSources"/> are remembered; sources re-sent after a crash are always among
/// them); capped and diminishing per action and day
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
    CommunityLookups lookups,
    GatheredUpdates gathered,
    ILogger<MemberPointsGrain> logger) : Grain, IMemberPointsGrain, IRemindable
{
    public const int RecentSources = 2_000;

    /// <summary>
    /// Chat messages kept among the recent sources: a moderator's removal takes back the points of any of a member's
    /// last this many chat awards (an older message keeps its points). Replays are recognised by seq marks instead.
    /// </summary>
    public const int RecentChatAwards = 200;
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

    // Chat awards are applied when handed over and stored together once per WriteDelay (see Gather). A channel's
    // AwardMessages call waits for that write, so it interleaves; every change to the state (its own apply step among
    // them) takes this turn, one at a time, as the calls of a grain that never interleaves would.
    private readonly GatheredAwards _pending = new();
    private readonly TurnChain _turn = new();
    private TaskCompletionSource? _gathering;
    private TaskCompletionSource? _hurry;
    private bool _erased;

    private MemberPointsState S => _writer.State;

    private TimeZoneInfo Zone => _zone ??= TimeZoneInfo.TryFindSystemTimeZoneById(S.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = MemberKey.Parse(this.GetPrimaryKeyString());
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, () => _writer.Write(), outboxOptions.Value, logger)
        {
            WriteFailed = DeactivateOnIdle,
            // Delivered notices and webhooks leave the record with the next gathered write (a level-up would otherwise
            // cost the award's write and a second one for its notice).
            WriteDeliveredMark = () =>
            {
                _ = Gathering();
                return Task.CompletedTask;
            },
        };
        _ledger = new PointsLedger(_key, () => S, () => Zone);
        _announcer = new PointsAnnouncer(GrainFactory, gathered, _key, () => S, _ledger, MemberStream, logger);
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // What was applied but not yet stored goes now: the channels would otherwise hand it over again.
        if (_gathering is { } gathering)
        {
            _hurry?.TrySetResult();
            try
            {
                await gathering.Task.WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Logged by the write; the channels hand their rounds over again.
            }
        }

        await _outbox.Deactivating(cancellationToken);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    public async Task Record(IReadOnlyList<ActivityEvent> events)
    {
        if (await _turn.Run(() => Apply(events)) is not { } applied)
        {
            return;
        }

        // Its caller (another grain's outbox, delivering one follow-up after another) finds it stored and announced, and
        // its notices sent (bounded), when answered: the gathered write goes at once, with any chat awards waiting in it.
        _hurry?.TrySetResult();
        await applied.Stored;
        await _outbox.Settled(applied.LastNotice);
    }

    public async Task AwardMessages(string channelId, IReadOnlyList<long> seqs, DateTimeOffset at, IReadOnlyList<TrustThreshold> levels,
        IReadOnlyList<ActivityEvent> events)
    {
        var stored = await _turn.Run(async () =>
        {
            // Counted for trust even when every award is a replay: the member grain ignores seqs it has counted.
            _pending.Count(channelId, seqs, at, levels);
            await Apply(_ledger.NewChatEvents(channelId, seqs, events));
            _ledger.MarkChatAwarded(channelId, seqs);
            return Gathering();
        });
        await stored;
    }

    /// <summary>
    /// Applies <paramref name="events"/> in memory and tells the member's live stream; what they owe (the write, the
    /// trust count, the boards, KPIs and campaigns) waits for the next gathered write, whose task it answers with
    /// (null: nothing to store).
    /// </summary>
    private async Task<Applied?> Apply(IReadOnlyList<ActivityEvent> events)
    {
        // A replay (a channel re-sending its tail after a restart) costs no rules lookup and no write.
        if (events.Count == 0 || _ledger.AllSeen(events))
        {
            return null;
        }

        // A reactor's own activity earns nothing and changes nothing here: it only reaches the KPIs, without lookups or a write.
        if (events.All(e => e.Kind == ActionKinds.ReactionGiven))
        {
            var activity = new Insights.KpiDeltas();
            events.ToList().ForEach(e => activity.Add(e));
            if (await Member() is { } reactor)
            {
                _announcer.ReportActivity(activity, reactor.Profile);
            }

            return null;
        }

        // The lookups are independent: asked together, they cost one round trip, not five; and the community's are
        // remembered for a few seconds, as a channel does with its policy.
        var rulesLookup = lookups.PointsRules(_key.CommunityId);
        var challengesLookup = lookups.Challenges(_key.CommunityId);
        var campaignsLookup = lookups.Campaigns(_key.CommunityId);
        var memberLookup = Member();
        var webhooksLookup = lookups.WantedWebhooks(_key.CommunityId);
        await Task.WhenAll(rulesLookup, challengesLookup, campaignsLookup, memberLookup, webhooksLookup);
        if (memberLookup.Result is null)
        {
            // No membership (never joined, or erased while this was on its way): nothing to award, nothing to keep.
            return null;
        }

        var (rules, profile) = (rulesLookup.Result, memberLookup.Result.Profile);
        var batch = _ledger.Apply(events, rules, challengesLookup.Result, CampaignsFor(campaignsLookup.Result, events), profile);
        _pending.Add(batch);
        _announcer.ForwardGiven(batch.Given);
        if (batch.Awarded.Count == 0)
        {
            return new Applied(Gathering(), null);
        }

        var levelBefore = S.Level;
        S.Level = PointsMath.LevelFor(S.Points, rules.LevelThresholds);
        _ledger.PruneChallenges(batch.Awarded[^1].Event.At);
        IReadOnlyList<PointsAwarded> awards =
            [.. batch.Awarded.Where(a => a.Points != 0).Select(a => new PointsAwarded(_key.CommunityId, _key.UserId, a.Points, S.Points, S.Level, a.Event.Kind, a.Event.SourceId))];
        var notices = _outbox.AddRange(PointsFollowUps.Notices(_key, batch.Earned, batch.Completed, levelBefore, S.Level, S.Points));
        _outbox.AddRange(PointsFollowUps.Webhooks(_key, webhooksLookup.Result, batch.Earned, awards, clock.GetUtcNow()));
        var stored = Gathering();
        // The live stream hears of an award as it is made: should the write fail, the award comes back (handed over
        // again, or asked again by its caller) and earns the same, so the member is never told of one that stays lost.
        await _announcer.Badges(batch.Earned);
        await _announcer.Posted(awards);
        return new Applied(stored, notices.Count > 0 ? notices[^1] : null);
    }

    private sealed record Applied(Task Stored, FollowUps.FollowUp? LastNotice);

    /// <summary>The gathered write that will carry what was applied so far (started if none is waiting).</summary>
    private Task Gathering()
    {
        if (_gathering is null)
        {
            _gathering = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _hurry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = Gather(_gathering, _hurry.Task);
        }

        return _gathering.Task;
    }

    /// <summary>
    /// One write for everything applied within <see cref="PointsOptions.WriteDelay"/>: the trust counts first (so a
    /// round the channel's cursor passes is counted), then the state with its outbox, then what follows from the
    /// stored totals (boards, change feed, campaigns, KPIs). A failed write fails every caller waiting for it; the grain
    /// then deactivates, and the channels hand their rounds over again.
    /// </summary>
    private async Task Gather(TaskCompletionSource done, Task hurry)
    {
        await Task.WhenAny(Task.Delay(Jitter.Below(pointsOptions.Value.WriteDelay)), hurry);
        _gathering = null;
        if (_erased)
        {
            done.TrySetResult();
            return;
        }

        var pending = _pending.Take();
        try
        {
            if (pending.Counts.Count > 0)
            {
                _member = await GrainFactory.Member(_key).CountMessages(pending.Counts, pending.CountedAt, pending.Levels);
                _memberReadAt = DateTime.UtcNow;
            }

            // Nobody waits for a gathered write unless it was hurried: then it goes at once.
            await (hurry.IsCompleted ? Store() : WriteTiming.Unhurried(Store));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogGatheredWriteFailed(logger, ex, _key.ToString());
            DeactivateOnIdle();
            done.TrySetException(ex);
            return;
        }

        // An erasure that ran during the awaits above dropped what this silo was gathering for the member: nothing of
        // theirs may follow it.
        if (!_erased)
        {
            _announcer.ReportActivity(pending.Kpis, _member?.Profile);
            if (pending.Touched)
            {
                _announcer.Touch();
                await _announcer.Campaigns(pending.Campaigns.Select(c => (c.Key, c.Value)));
                _announcer.Boards();
            }
        }

        done.TrySetResult();
    }

    public Task ForgetReactor(string userId, string pseudonym) => _turn.Run(() => ReplaceReactor(userId, pseudonym));

    private async Task ReplaceReactor(string userId, string pseudonym)
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

    public Task Erase() => _turn.Run(async () =>
    {
        // What the outbox still owed goes with the record: notices and webhooks about a member who asked to be forgotten.
        // A gathered write still waiting must not bring the record back.
        _erased = true;
        gathered.Forget(_key.CommunityId, _key.UserId);
        await _writer.Clear();
        _member = null;
        DeactivateOnIdle();
    });

    public Task TakeBack(string sourceId) => _turn.Run(() => TakeBack(sourceId, null));

    public Task TakeBackChat(string channelId, long seq, string sourceId) => _turn.Run(() => TakeBack(sourceId, new ChatSource(channelId, seq)));

    private async Task TakeBack(string sourceId, ChatSource? chat)
    {
        if (!_ledger.CanTakeBack(sourceId, chat))
        {
            return;
        }

        var rulesLookup = lookups.PointsRules(_key.CommunityId);
        var webhooksLookup = lookups.WantedWebhooks(_key.CommunityId);
        await Task.WhenAll(rulesLookup, webhooksLookup);
        if (_ledger.TakeBack(sourceId, chat) is not { } record)
        {
            return;
        }

        S.Level = PointsMath.LevelFor(S.Points, rulesLookup.Result.LevelThresholds);
        IReadOnlyList<PointsAwarded> awards = [new PointsAwarded(_key.CommunityId, _key.UserId, -record.Points, S.Points, S.Level, "taken_back", sourceId)];
        _outbox.AddRange(PointsFollowUps.Webhooks(_key, webhooksLookup.Result, [], awards, clock.GetUtcNow()));
        await Store();
        _announcer.Touch();
        await _announcer.Campaigns((record.Campaigns ?? []).Select(c => (c, new CampaignContribution(_key.UserId, -record.Points, 0, false))));
        _announcer.Boards();
        await _announcer.Posted(awards);
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

        await _turn.Run(() =>
        {
            (S.TimeZone, _zone) = (timeZone, zone);
            return Store();
        });
        return await GetProfile();
    }

    private Task Store() => _outbox.Store();


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
    private IReadOnlyList<Campaign> CampaignsFor(IReadOnlyList<Campaign> listed, IReadOnlyList<ActivityEvent> events)
    {
        foreach (var gone in S.CampaignPoints.Keys.Where(id => !listed.Any(c => c.Id == id)).ToList())
        {
            S.CampaignPoints.Remove(gone);
        }

        return [.. listed.Where(c => events.Any(e => c.Covers(e.At)))];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the gathered awards of {Member} failed; the grain deactivates and the channels hand their rounds over again")]
    private static partial void LogGatheredWriteFailed(ILogger logger, Exception ex, string member);
}
