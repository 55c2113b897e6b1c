using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Communities;

[GenerateSerializer, Alias("cs.MemberState")]
public sealed class MemberState
{
    [Id(0)] public MemberInfo? Info { get; set; }

    /// <summary>Newest last; the oldest revoked ones go first when the list is full.</summary>
    [Id(1)] public List<Sanction> Sanctions { get; set; } = [];

    /// <summary>The last UTC day with an accepted message, for counting days active.</summary>
    [Id(2)] public DateOnly? LastActiveDay { get; set; }

    /// <summary>Every consent given, oldest first (GDPR: the history is kept, not just the latest).</summary>
    [Id(3)] public List<ConsentRecord> Consents { get; set; } = [];

    /// <summary>Per channel, the highest seq counted towards trust, most recent channels last (at most 100 kept).</summary>
    [Id(4)] public List<KeyValuePair<string, long>> CountedThrough { get; set; } = [];

    /// <summary>Sanctions' audit entries and notices, the join's KPI count and webhook, trust notices: still owed.</summary>
    [Id(5)] public OutboxState Outbox { get; set; } = new();
}

/// <summary>
/// One user's membership of one community: role, sanctions and standing (trust). Small on purpose: the community never
/// holds its member list. Mutes and bans are applied here, from sanctions, so a sanction and its effect never disagree;
/// and what a change tells (a sanction's audit entry and notice, a join's webhook) is stored with it in the member's
/// <see cref="Outbox"/>.
/// </summary>
public sealed partial class MemberGrain(
    [PersistentState("member", StorageNames.Main)] IPersistentState<MemberState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<OutboxOptions> outboxOptions,
    IOptions<MemberOptions> memberOptions,
    GatheredUpdates gathered,
    ILogger<MemberGrain> logger) : Grain, IMemberGrain, IRemindable
{
    public const int MaxSanctions = 100;
    private const int MaxChannelsCounted = 100;

    private readonly StateWriter<MemberState> _writer = new(state);
    private Outbox _outbox = null!;

    // Activity is counted in memory and written behind, at most once per Members:ActivityWritePeriod: trust is not
    // acknowledged data, and a busy author sends several messages a second (a write every 20 messages cost a hot channel
    // more writes than its own messages did). A new day or a new level is written at once; a crash loses at most one
    // period of counts. Every other change is written at once through the same write-behind, so that write also stores
    // pending counts and leaves the timer nothing to write again.
    private WriteBehind? _writes;

    // The community-wide flood limit's grants in the current window. In memory: a flood limit is soft, and an activation
    // that goes forgets at most one window of it.
    private readonly Queue<(DateTimeOffset At, int Count)> _postingGrants = new();

    // Through the state writer: the outbox's own write (after a delivery) may come while a change's write is in flight.
    private WriteBehind Writes => _writes ??= new(this, async _ =>
    {
        if (state.State.Info is not null)
        {
            await _writer.Write();
            TouchChangeFeed();
        }
    }, ex => LogWriteFailed(logger, ex, this.GetPrimaryKeyString()), memberOptions.Value.ActivityWritePeriod);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _outbox = new Outbox(this, GrainFactory, () => state.State.Outbox, () => Writes.WriteNow(), outboxOptions.Value, logger)
        {
            // The delivered mark rides on the next write (at most one activity period away): a crash re-delivers, and
            // receivers ignore what they have.
            WriteDeliveredMark = () =>
            {
                Writes.Changed();
                return Task.CompletedTask;
            },
        };
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    public async Task<MemberInfo> Enroll(string displayName, MemberRole role, ConsentGiven consent)
    {
        if (state.State.Info is { } existing)
        {
            return existing;
        }

        var (communityId, userId) = MemberKey.Parse(this.GetPrimaryKeyString());
        var now = clock.GetUtcNow();
        state.State.Info = new MemberInfo(communityId, userId, displayName, role, now,
            GuidelinesVersion: consent.GuidelinesVersion, MarketingConsent: consent.Marketing);
        state.State.Consents.Add(new ConsentRecord(consent.GuidelinesVersion, consent.Marketing, now, ConsentReasons.Join));
        // The account's list of communities is written first, so an erasure of the account always finds this membership.
        await GrainFactory.GetGrain<IUserAccountGrain>(userId).AddCommunity(communityId);
        _outbox.Add(new RecordJoin(communityId, userId, DateOnly.FromDateTime(now.UtcDateTime)));
        _outbox.Add(RaiseWebhook.Of(communityId, Integrations.WebhookEventKinds.MemberJoined, now, state.State.Info));
        await _outbox.Store();
        return state.State.Info;
    }

    public Task<MemberInfo?> Get() => Task.FromResult(Current);

    // Get and TakePostingBudget interleave with an erasure's awaits: from its start they find no member, so nothing can
    // be posted under a membership that is being erased.
    private bool _erasing;

    private MemberInfo? Current => _erasing ? null : state.State.Info;

    public async Task<MemberInfo> Sanction(Sanction sanction)
    {
        var info = RequireInfo();
        if (state.State.Sanctions.Exists(s => s.Id == sanction.Id))
        {
            return info;
        }

        state.State.Sanctions.Add(sanction);
        TrimSanctions();
        var updated = state.State.Info = Apply(info);
        await _outbox.StoreAndWait(SanctionFollowUps.Imposed(info.CommunityId, info.UserId, sanction, updated.Strikes));
        return updated;
    }

    public async Task<(MemberInfo Member, Sanction Sanction)> Revoke(string sanctionId, ModerationNote? note)
    {
        var info = RequireInfo();
        var index = IndexOf(sanctionId);
        var revoked = state.State.Sanctions[index] with { Revoked = true };
        state.State.Sanctions[index] = revoked;
        var updated = state.State.Info = Apply(info);
        await _outbox.StoreAndWait(note is null ? [] : SanctionFollowUps.Revoked(info.CommunityId, info.UserId, revoked, note));
        return (updated, revoked);
    }

    public async Task<MemberInfo> Lift(SanctionKind kind, ModerationNote note)
    {
        RequireInfo();
        for (var i = 0; i < state.State.Sanctions.Count; i++)
        {
            if (state.State.Sanctions[i] is { Revoked: false } active && active.Kind == kind)
            {
                state.State.Sanctions[i] = active with { Revoked = true };
            }
        }

        var info = state.State.Info!;
        var updated = state.State.Info = Apply(info);
        await _outbox.StoreAndWait(SanctionFollowUps.Lifted(info.CommunityId, info.UserId, kind, note));
        return updated;
    }

    public async Task<Sanction> MarkAppealed(string sanctionId)
    {
        RequireInfo();
        var index = IndexOf(sanctionId);
        var sanction = state.State.Sanctions[index];
        if (sanction.Revoked || sanction.Appealed)
        {
            throw CommunityException.Invalid(sanction.Revoked ? "This sanction was already revoked." : "This sanction was already appealed; each may be appealed once.");
        }

        state.State.Sanctions[index] = sanction with { Appealed = true };
        await Writes.WriteNow();
        return state.State.Sanctions[index];
    }

    public Task<IReadOnlyList<Sanction>> GetSanctions() =>
        Task.FromResult<IReadOnlyList<Sanction>>([.. Enumerable.Reverse(state.State.Sanctions)]);

    public async Task<MemberInfo?> CountMessages(IReadOnlyList<ChannelSeqs> channels, DateTimeOffset at, IReadOnlyList<TrustThreshold> levels)
    {
        await CountTowardsTrust(channels, at, levels);
        return state.State.Info;
    }

    private async Task CountTowardsTrust(IReadOnlyList<ChannelSeqs> channels, DateTimeOffset at, IReadOnlyList<TrustThreshold> levels)
    {
        if (state.State.Info is not { } info)
        {
            return;
        }

        var counted = state.State.CountedThrough;
        var messages = 0;
        foreach (var (channelId, seqs) in channels)
        {
            var index = counted.FindIndex(c => c.Key == channelId);
            var through = index < 0 ? 0 : counted[index].Value;
            var fresh = seqs.Count(s => s > through);
            if (fresh <= 0)
            {
                continue;
            }

            messages += fresh;
            if (index >= 0)
            {
                counted.RemoveAt(index);
            }

            counted.Add(new(channelId, Math.Max(through, seqs.Max())));
            if (counted.Count > MaxChannelsCounted)
            {
                // A round handed over again comes within seconds: a channel this long unused has nothing left to repeat.
                counted.RemoveAt(0);
            }
        }

        if (messages == 0)
        {
            return;
        }

        var day = DateOnly.FromDateTime(at.UtcDateTime);
        var newDay = state.State.LastActiveDay != day;
        state.State.LastActiveDay = day;
        var updated = info with { AcceptedMessages = info.AcceptedMessages + messages, DaysActive = info.DaysActive + (newDay ? 1 : 0) };
        var level = TrustLadder.LevelFor(updated.DaysActive, updated.AcceptedMessages, updated.Strikes, info.TrustLevel, levels);
        state.State.Info = updated with { TrustLevel = level };
        if (level > info.TrustLevel)
        {
            await _outbox.StoreAndWait([new SendNotices([info.UserId], new NotificationDraft(info.CommunityId, NotificationKinds.TrustLevel,
                $"You reached trust level {level} in this community: more of its rules relax for you.", $"trust:{info.CommunityId}:{level}"))]);
        }
        else if (newDay || level != info.TrustLevel)
        {
            await Writes.WriteNow();
        }
        else
        {
            Writes.Changed();
        }
    }

    public async Task<MemberInfo> Consent(ConsentGiven consent, int currentVersion)
    {
        var info = RequireInfo();
        if (consent.GuidelinesVersion != currentVersion)
        {
            throw CommunityException.Invalid($"The guidelines in force are version {currentVersion}; accept that one.");
        }

        if (info.GuidelinesVersion == consent.GuidelinesVersion && info.MarketingConsent == consent.Marketing)
        {
            return info;
        }

        var reason = info.GuidelinesVersion != consent.GuidelinesVersion ? ConsentReasons.Renewed : ConsentReasons.Changed;
        state.State.Consents.Add(new ConsentRecord(consent.GuidelinesVersion, consent.Marketing, clock.GetUtcNow(), reason));
        state.State.Info = info with { GuidelinesVersion = consent.GuidelinesVersion, MarketingConsent = consent.Marketing };
        await Writes.WriteNow();
        return state.State.Info;
    }

    public async Task Erase()
    {
        if (state.State.Info is null)
        {
            return;
        }

        _erasing = true;

        // What a last sanction still owes goes first (the audit step pseudonymises its entry later); what cannot arrive
        // in time is dropped with the record, as it speaks of a member who is gone.
        await _outbox.SettledAll();

        await _writer.Clear();
        // The write-behind's last flush (on deactivation) must find nothing to write: without this line the privacy test
        // found the erased member written back to storage.
        state.State = new MemberState();
        TouchChangeFeed();
        DeactivateOnIdle();
    }

    public Task<IReadOnlyList<ConsentRecord>> GetConsents() => Task.FromResult<IReadOnlyList<ConsentRecord>>([.. state.State.Consents]);

    public async Task<MemberInfo> SetProfile(IReadOnlyDictionary<string, IReadOnlyList<string>> profile)
    {
        var info = RequireInfo();
        state.State.Info = info with { Profile = profile };
        await Writes.WriteNow();
        return state.State.Info;
    }

    public Task<PostingBudget> TakePostingBudget(int wanted, int limit, TimeSpan window)
    {
        if (Current is not { } info)
        {
            return Task.FromResult(new PostingBudget(null, 0, TimeSpan.Zero));
        }

        // Moderators and up are trusted without limit, as in a channel; nothing of theirs is counted.
        if (info.Role >= MemberRole.Moderator)
        {
            return Task.FromResult(new PostingBudget(info, Math.Max(0, wanted), TimeSpan.Zero));
        }

        var now = clock.GetUtcNow();
        while (_postingGrants.Count > 0 && now - _postingGrants.Peek().At >= window)
        {
            _postingGrants.Dequeue();
        }

        var used = _postingGrants.Sum(g => g.Count);
        var granted = Math.Clamp(Math.Min(wanted, limit - used), 0, int.MaxValue);
        if (granted > 0)
        {
            _postingGrants.Enqueue((now, granted));
        }

        var retryAfter = granted == 0 && wanted > 0 && _postingGrants.Count > 0 ? window - (now - _postingGrants.Peek().At) : TimeSpan.Zero;
        return Task.FromResult(new PostingBudget(info, granted, retryAfter));
    }

    public async Task<MemberInfo> SetRoles(MemberRole rank, IReadOnlyList<string> roles)
    {
        var info = RequireInfo();
        state.State.Info = info with { Role = info.Role == MemberRole.Owner ? MemberRole.Owner : rank, Roles = roles.Count == 0 ? null : [.. roles] };
        await Writes.WriteNow();
        return state.State.Info;
    }

    /// <summary>
    /// Marks this member as changed for the CRM change feed (gathered on the silo: never waits, never fails the change). Not a
    /// follow-up: the feed's marks are themselves written behind and may lose the last second, and a member missed
    /// reappears with their next change; the erasure marks the member durably (<see cref="Integrations.IMemberChangeFeedGrain.Erased"/>).
    /// </summary>
    private void TouchChangeFeed()
    {
        var (communityId, userId) = MemberKey.Parse(this.GetPrimaryKeyString());
        gathered.Touch(communityId, userId);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_writes is not null)
        {
            await _writes.Flush(cancellationToken);
        }

        await _outbox.Deactivating(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing member {Member} failed; retrying on the next tick")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, string member);

    /// <summary>Derives the restrictions in force from the sanctions on record: the latest active mute, any active ban, the warning count.</summary>
    private MemberInfo Apply(MemberInfo info)
    {
        var active = state.State.Sanctions.Where(s => !s.Revoked).ToList();
        var mutedUntil = active.Where(s => s.Kind == SanctionKind.Mute).Select(s => s.Until).Max();
        var ban = active.LastOrDefault(s => s.Kind == SanctionKind.Ban);
        return info with
        {
            MutedUntil = mutedUntil,
            BannedReason = ban is null ? null : string.IsNullOrWhiteSpace(ban.Reason) ? "no reason given" : ban.Reason,
            Strikes = active.Count(s => s.Kind == SanctionKind.Warning),
        };
    }

    private void TrimSanctions()
    {
        while (state.State.Sanctions.Count > MaxSanctions)
        {
            var oldestRevoked = state.State.Sanctions.FindIndex(s => s.Revoked || (s.Kind == SanctionKind.Mute && s.Until < clock.GetUtcNow()));
            state.State.Sanctions.RemoveAt(oldestRevoked >= 0 ? oldestRevoked : 0);
        }
    }

    private int IndexOf(string sanctionId)
    {
        var index = state.State.Sanctions.FindIndex(s => s.Id == sanctionId);
        return index >= 0 ? index : throw CommunityException.NotFound($"Sanction '{sanctionId}'");
    }

    private MemberInfo RequireInfo() => state.State.Info ?? throw CommunityException.NotFound($"Member '{this.GetPrimaryKeyString()}'");
}
