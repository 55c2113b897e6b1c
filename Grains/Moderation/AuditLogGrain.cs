using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Integrations;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Moderation;

[GenerateSerializer, Alias("cs.AuditLogState")]
public sealed class AuditLogState
{
    [Id(0)] public long LastId { get; set; }

    /// <summary>Entries after the sealed pages, oldest first; sealed a page at a time, so the state stays bounded.</summary>
    [Id(1)] public List<AuditEntry> Tail { get; set; } = [];

    /// <summary>The sources of the latest entries appended once (<see cref="IAuditLogGrain.AppendOnce"/>), oldest first.</summary>
    [Id(2)] public List<string> RecentSources { get; set; } = [];

    /// <summary>The <c>moderation.action</c> webhooks of entries appended, still owed.</summary>
    [Id(3)] public OutboxState Outbox { get; set; } = new();
}

/// <summary>
/// A community's audit log: append-only, paged like chat history (full pages of <see cref="PageSize"/> entries are
/// sealed into <see cref="AuditPageGrain"/>s), readable by moderators newest first. Each entry's webhook is stored with
/// it in the log's <see cref="Outbox"/>.
/// </summary>
public sealed class AuditLogGrain(
    [PersistentState("audit", StorageNames.Main)] IPersistentState<AuditLogState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<OutboxOptions> outboxOptions,
    ILogger<AuditLogGrain> logger) : Grain, IAuditLogGrain, IRemindable
{
    public const int PageSize = 100;

    private readonly StateWriter<AuditLogState> _writer = new(state);
    private Outbox _outbox = null!;

    private string CommunityId => this.GetPrimaryKeyString();

    private AuditLogState S => _writer.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Memory must not run ahead of storage: an AppendOnce retried after a failed write would find its source remembered
        // and skip an entry that was never stored. The next activation reads what was.
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger) { WriteFailed = DeactivateOnIdle };
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    public async Task AppendOnce(string sourceId, string actor, string action, string target, string reason)
    {
        if (S.RecentSources.Contains(sourceId))
        {
            return;
        }

        S.RecentSources.Add(sourceId);
        if (S.RecentSources.Count > RecentSourcesKept)
        {
            S.RecentSources.RemoveRange(0, S.RecentSources.Count - RecentSourcesKept);
        }

        await Append(actor, action, target, reason);
    }

    private const int RecentSourcesKept = 500;

    public async Task<AuditEntry> Append(string actor, string action, string target, string reason)
    {
        var entry = new AuditEntry(S.LastId + 1, clock.GetUtcNow(), actor, action, target, reason);
        S.Tail.Add(entry);
        S.LastId = entry.Id;
        if (S.Tail.Count == 2 * PageSize)
        {
            var page = S.Tail.GetRange(0, PageSize);
            await Page((page[0].Id - 1) / PageSize).Seal(page);
            S.Tail.RemoveRange(0, PageSize);
        }

        _outbox.Add(RaiseWebhook.Of(CommunityId, WebhookEventKinds.ModerationAction, entry.At, entry));
        await _outbox.Store();

        return entry;
    }

    public async Task<AuditPage> Read(long? before, int limit, Actor caller)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, caller);
        var upTo = Math.Min(before is { } b ? b - 1 : S.LastId, S.LastId);
        var firstInTail = S.Tail.Count > 0 ? S.Tail[0].Id : S.LastId + 1;
        var entries = new List<AuditEntry>(limit);
        for (var id = upTo; id >= 1 && entries.Count < limit;)
        {
            if (id >= firstInTail)
            {
                entries.Add(S.Tail[(int)(id - firstInTail)]);
                id--;
                continue;
            }

            var page = await Page((id - 1) / PageSize).Read();
            foreach (var entry in page.Where(e => e.Id <= id).Reverse())
            {
                if (entries.Count == limit)
                {
                    break;
                }

                entries.Add(entry);
            }

            id = entries[^1].Id - 1;
        }

        return new AuditPage(entries, entries.Count > 0 && entries[^1].Id > 1 ? entries[^1].Id : null);
    }

    public async Task<IReadOnlyList<AuditEntry>> CollectMember(string userId, string displayName)
    {
        var names = new Pseudonym(userId, displayName, "");
        var entries = new List<AuditEntry>();
        for (var page = 0L; page < SealedPages; page++)
        {
            entries.AddRange((await Page(page).Read()).Where(e => Names(e, names)));
        }

        entries.AddRange(S.Tail.Where(e => Names(e, names)));
        return entries;
    }

    public async Task Pseudonymise(string userId, string displayName, string pseudonym)
    {
        var names = new Pseudonym(userId, displayName, pseudonym);
        // Sources are follow-up ids, which name their owner grain: a member's own grains carry the member's id.
        if (Pseudonym.Rewrite(S.Tail, e => Scrubbed(e, names)) | Pseudonym.Rewrite(S.RecentSources, names.Scrub))
        {
            await _writer.Write();
        }

        for (var page = 0L; page < SealedPages; page++)
        {
            await Page(page).Pseudonymise(userId, displayName, pseudonym);
        }
    }

    private long SealedPages => S.Tail.Count > 0 ? (S.Tail[0].Id - 1) / PageSize : (S.LastId + PageSize - 1) / PageSize;

    private IAuditPageGrain Page(long pageIndex) => GrainFactory.AuditPage(CommunityId, pageIndex);

    /// <summary>The one exception to an append-only log: an erased member's names leave it (GDPR outranks immutability).</summary>
    internal static AuditEntry Scrubbed(AuditEntry e, Pseudonym names) =>
        e with { Actor = names.Scrub(e.Actor), Target = names.Scrub(e.Target), Reason = names.Scrub(e.Reason) };

    private static bool Names(AuditEntry e, Pseudonym names) => names.Names(e.Actor) || names.Names(e.Target) || names.Names(e.Reason);
}

[GenerateSerializer, Alias("cs.AuditPageState")]
public sealed class AuditPageState
{
    [Id(0)] public List<AuditEntry> Entries { get; set; } = [];
}

public sealed class AuditPageGrain(
    [PersistentState("audit-page", StorageNames.Main)] IPersistentState<AuditPageState> state) : Grain, IAuditPageGrain
{
    private readonly StateWriter<AuditPageState> _writer = new(state);

    public async Task Pseudonymise(string userId, string displayName, string pseudonym)
    {
        var names = new Pseudonym(userId, displayName, pseudonym);
        if (Pseudonym.Rewrite(_writer.State.Entries, e => AuditLogGrain.Scrubbed(e, names)))
        {
            await _writer.Write();
        }
    }

    public async Task Seal(IReadOnlyList<AuditEntry> entries)
    {
        if (_writer.RecordExists)
        {
            return;
        }

        _writer.State.Entries = [.. entries];
        await _writer.Write();
    }

    public Task<IReadOnlyList<AuditEntry>> Read() => Task.FromResult<IReadOnlyList<AuditEntry>>(_writer.State.Entries);
}

/// <summary>
/// The one permission check of community-wide actions (moderation, events, campaigns, KPIs, webhooks): the caller must
/// be a member whose roles grant the permission (<see cref="Access.PermissionResolver.InCommunity"/>). Actions on the
/// community's own settings still need the built-in admin or owner role (<see cref="RequireAdmin"/>).
/// </summary>
public static class ModerationRoles
{
    public static Task<MemberInfo> RequireModerator(IGrainFactory grains, string communityId, Actor caller, Access.Permissions needed = Access.Permissions.Moderate) =>
        Require(grains, communityId, caller, needed, $"Only members with the {Access.PermissionNames.Format(needed)[0]} permission (moderators, admins and the owner by default) do this.");

    public static async Task<MemberInfo> RequireAdmin(IGrainFactory grains, string communityId, Actor caller, string refusal)
    {
        var member = await RequireMember(grains, communityId, caller);
        return member.Role >= MemberRole.Admin ? member : throw new CommunityException(ErrorCodes.Forbidden, refusal);
    }

    /// <summary>The caller's membership, when their roles grant <paramref name="needed"/> in the community (<c>forbidden</c> otherwise).</summary>
    public static async Task<MemberInfo> Require(IGrainFactory grains, string communityId, Actor caller, Access.Permissions needed, string refusal)
    {
        var member = await RequireMember(grains, communityId, caller);
        var rules = await grains.GetGrain<Access.ICommunityAccessGrain>(communityId).GetRules();
        return Access.PermissionResolver.InCommunity(rules, member).HasFlag(needed) ? member : throw new CommunityException(ErrorCodes.Forbidden, refusal);
    }

    private static async Task<MemberInfo> RequireMember(IGrainFactory grains, string communityId, Actor caller)
    {
        await grains.GetGrain<ICommunityGrain>(communityId).GetInfo();
        return await grains.Member(communityId, caller.UserId).Get()
            ?? throw await Access.NonMemberRefusal.For(grains, communityId, $"You are not a member of community '{communityId}'.");
    }
}
