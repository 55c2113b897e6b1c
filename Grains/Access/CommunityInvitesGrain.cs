using System.Security.Cryptography;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Access;

[GenerateSerializer, Alias("cs.CommunityInvitesState")]
public sealed class CommunityInvitesState
{
    /// <summary>Invites, newest last; revoked, expired and used-up ones go first when the list is full.</summary>
    [Id(0)] public List<Invite> Invites { get; set; } = [];

    /// <summary>Pending requests to join (restricted communities), oldest first.</summary>
    [Id(1)] public List<JoinRequest> JoinRequests { get; set; } = [];

    /// <summary>The audit entries of changes, still owed.</summary>
    [Id(2)] public OutboxState Outbox { get; set; } = new();
}

/// <summary>
/// Invites and join requests (see <see cref="ICommunityInvitesGrain"/>). One grain per community: small, rare, and an
/// invite's use must be counted atomically, which a grain does without a lock (no await between the check and the count).
/// </summary>
public sealed class CommunityInvitesGrain(
    [PersistentState("invites", StorageNames.Main)] IPersistentState<CommunityInvitesState> state,
    IOptions<OutboxOptions> outboxOptions,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    ILogger<CommunityInvitesGrain> logger) : Grain, ICommunityInvitesGrain, IRemindable
{
    public const int MaxInvites = 1000;
    public const int MaxJoinRequests = 5000;
    public static readonly TimeSpan DefaultInviteLifetime = TimeSpan.FromDays(7);
    public static readonly TimeSpan MaxInviteLifetime = TimeSpan.FromDays(365);

    private readonly StateWriter<CommunityInvitesState> _writer = new(state);
    private Outbox _outbox = null!;

    private string CommunityId => this.GetPrimaryKeyString();

    private CommunityInvitesState S => _writer.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger);
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    public async Task<Invite> CreateInvite(TimeSpan? lifetime, int maxUses, Actor caller)
    {
        await RequireModerator(caller);
        var life = lifetime ?? DefaultInviteLifetime;
        if (life < TimeSpan.FromMinutes(1) || life > MaxInviteLifetime)
        {
            throw CommunityException.Invalid("An invite lasts between 1 minute and 365 days.");
        }

        if (maxUses is < 0 or > 100_000)
        {
            throw CommunityException.Invalid("maxUses must be between 0 (unlimited) and 100000.");
        }

        var now = clock.GetUtcNow();
        if (S.Invites.Count >= MaxInvites)
        {
            var spent = S.Invites.FindIndex(i => i.RefusalAt(now) is not null);
            S.Invites.RemoveAt(spent >= 0 ? spent : throw CommunityException.Invalid($"A community may have at most {MaxInvites} usable invites; revoke some first."));
        }

        // 80 random bits: the code is the whole secret of the link.
        var invite = new Invite(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10)), caller.UserId, now, now + life, maxUses);
        S.Invites.Add(invite);
        await Audited(caller, "invite_created", invite.Code, $"expires {invite.ExpiresAt:u}, {(maxUses == 0 ? "unlimited" : $"{maxUses} uses")}");
        return invite;
    }

    public async Task<IReadOnlyList<Invite>> ListInvites(Actor caller)
    {
        await RequireModerator(caller);
        return [.. S.Invites];
    }

    public async Task<Invite> RevokeInvite(string code, Actor caller)
    {
        await RequireModerator(caller);
        var at = S.Invites.FindIndex(i => i.Code == code);
        var revoked = S.Invites[at >= 0 ? at : throw CommunityException.NotFound("Invite")] with { Revoked = true };
        S.Invites[at] = revoked;
        await Audited(caller, "invite_revoked", code, "");
        return revoked;
    }

    public async Task RedeemInvite(string code, Actor who)
    {
        // No await between the check and the count: two joins never both take an invite's last use.
        var at = S.Invites.FindIndex(i => i.Code == code);
        var invite = at >= 0 ? S.Invites[at] : throw CommunityException.NotFound("Invite");
        if (invite.RefusalAt(clock.GetUtcNow()) is { } refusal)
        {
            throw new CommunityException(ErrorCodes.Forbidden, refusal);
        }

        S.Invites[at] = invite with { Uses = invite.Uses + 1 };
        await Audited(who, "invite_used", who.UserId, code);
    }

    public Task<bool> IsKnown(string code) => Task.FromResult(S.Invites.Exists(i => i.Code == code));

    public async Task<JoinRequest> RequestToJoin(Actor who, Privacy.ConsentGiven consent)
    {
        var info = await GrainFactory.GetGrain<ICommunityGrain>(CommunityId).GetInfo();
        switch (info.Visibility)
        {
            case CommunityVisibility.Private:
                throw CommunityException.NotFound($"Community '{CommunityId}'");
            case CommunityVisibility.Public:
                throw CommunityException.Invalid("This community is public: join it (POST …/members).");
        }

        if (await GrainFactory.Member(CommunityId, who.UserId).Get() is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, "You are already a member.");
        }

        S.JoinRequests.RemoveAll(r => r.UserId == who.UserId);
        if (S.JoinRequests.Count >= MaxJoinRequests)
        {
            throw CommunityException.Invalid("Too many requests are waiting for a moderator; try again later.");
        }

        var request = new JoinRequest(who.UserId, InputRules.RequireName(who.DisplayName, "display name"), clock.GetUtcNow(), consent);
        S.JoinRequests.Add(request);
        await _writer.Write();
        return request;
    }

    public async Task<IReadOnlyList<JoinRequest>> ListJoinRequests(Actor caller)
    {
        await RequireModerator(caller);
        return [.. S.JoinRequests];
    }

    public async Task<MemberInfo?> DecideJoinRequest(string userId, bool approve, Actor caller)
    {
        await RequireModerator(caller);
        var request = S.JoinRequests.Find(r => r.UserId == userId) ?? throw CommunityException.NotFound($"A request to join from '{userId}'");
        // Admitted first: a refusal (say, the guidelines changed since the request) leaves the request waiting.
        var member = approve ? await GrainFactory.GetGrain<ICommunityGrain>(CommunityId).Admit(new Actor(request.UserId, request.DisplayName), request.Consent) : null;
        S.JoinRequests.Remove(request);
        await Audited(caller, approve ? "join_approved" : "join_declined", userId, "");
        return member;
    }

    public Task<MemberAccessTrace> CollectMember(string userId) =>
        Task.FromResult(new MemberAccessTrace([], [.. S.Invites.Where(i => i.CreatedBy == userId)], S.JoinRequests.Find(r => r.UserId == userId)));

    public async Task EraseMember(string userId, string pseudonym)
    {
        var changed = S.JoinRequests.RemoveAll(r => r.UserId == userId) > 0;
        for (var i = 0; i < S.Invites.Count; i++)
        {
            if (S.Invites[i].CreatedBy == userId)
            {
                S.Invites[i] = S.Invites[i] with { CreatedBy = pseudonym };
                changed = true;
            }
        }

        if (changed)
        {
            await _writer.Write();
        }
    }

    private Task<MemberInfo> RequireModerator(Actor caller) =>
        Moderation.ModerationRoles.RequireModerator(GrainFactory, CommunityId, caller);

    /// <summary>Stores a change with its audit entry; a failed write drops the activation, so an unstored change is not served.</summary>
    private async Task Audited(Actor caller, string action, string target, string detail)
    {
        try
        {
            await _outbox.StoreAndWait(new AppendAudit(CommunityId, caller.UserId, action, target, detail));
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }
}
