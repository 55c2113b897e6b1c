using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Moderation;

[GenerateSerializer, Alias("cs.AuditLogState")]
public sealed class AuditLogState
{
    [Id(0)] public long LastId { get; set; }

    /// <summary>Entries after the sealed pages, oldest first; sealed a page at a time, so the state stays bounded.</summary>
    [Id(1)] public List<AuditEntry> Tail { get; set; } = [];

    /// <summary>The sources of the latest entries appended once (<see cref="IAuditLogGrain.AppendOnce"/>), oldest first.</summary>
    [Id(2)] public List<string> RecentSources { get; set; } = [];
}

/// <summary>
/// A community's audit log: append-only, paged like chat history (full pages of <see cref="PageSize"/> entries are
/// sealed into <see cref="AuditPageGrain"/>s), readable by moderators newest first.
/// </summary>
public sealed class AuditLogGrain(
    [PersistentState("audit", StorageNames.Main)] IPersistentState<AuditLogState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock) : Grain, IAuditLogGrain
{
    public const int PageSize = 100;

    private string CommunityId => this.GetPrimaryKeyString();

    public async Task AppendOnce(string sourceId, string actor, string action, string target, string reason)
    {
        if (state.State.RecentSources.Contains(sourceId))
        {
            return;
        }

        state.State.RecentSources.Add(sourceId);
        if (state.State.RecentSources.Count > RecentSourcesKept)
        {
            state.State.RecentSources.RemoveRange(0, state.State.RecentSources.Count - RecentSourcesKept);
        }

        await Append(actor, action, target, reason);
    }

    private const int RecentSourcesKept = 500;

    public async Task<AuditEntry> Append(string actor, string action, string target, string reason)
    {
        var entry = new AuditEntry(state.State.LastId + 1, clock.GetUtcNow(), actor, action, target, reason);
        state.State.Tail.Add(entry);
        state.State.LastId = entry.Id;
        if (state.State.Tail.Count == 2 * PageSize)
        {
            var page = state.State.Tail.GetRange(0, PageSize);
            await GrainFactory.GetGrain<IAuditPageGrain>(PageKey((page[0].Id - 1) / PageSize)).Seal(page);
            state.State.Tail.RemoveRange(0, PageSize);
        }

        await state.WriteStateAsync();
        Integrations.Webhooks.Raise(GrainFactory, CommunityId, Integrations.WebhookEventKinds.ModerationAction, entry.At, entry);
        return entry;
    }

    public async Task<AuditPage> Read(long? before, int limit, Actor caller)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, caller);
        var upTo = Math.Min(before is { } b ? b - 1 : state.State.LastId, state.State.LastId);
        var firstInTail = state.State.Tail.Count > 0 ? state.State.Tail[0].Id : state.State.LastId + 1;
        var entries = new List<AuditEntry>(limit);
        for (var id = upTo; id >= 1 && entries.Count < limit;)
        {
            if (id >= firstInTail)
            {
                entries.Add(state.State.Tail[(int)(id - firstInTail)]);
                id--;
                continue;
            }

            var page = await GrainFactory.GetGrain<IAuditPageGrain>(PageKey((id - 1) / PageSize)).Read();
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
            entries.AddRange((await GrainFactory.GetGrain<IAuditPageGrain>(PageKey(page)).Read()).Where(e => Names(e, names)));
        }

        entries.AddRange(state.State.Tail.Where(e => Names(e, names)));
        return entries;
    }

    public async Task Pseudonymise(string userId, string displayName, string pseudonym)
    {
        var names = new Pseudonym(userId, displayName, pseudonym);
        if (Pseudonym.Rewrite(state.State.Tail, e => Scrubbed(e, names)))
        {
            await state.WriteStateAsync();
        }

        for (var page = 0L; page < SealedPages; page++)
        {
            await GrainFactory.GetGrain<IAuditPageGrain>(PageKey(page)).Pseudonymise(userId, displayName, pseudonym);
        }
    }

    private long SealedPages => state.State.Tail.Count > 0 ? (state.State.Tail[0].Id - 1) / PageSize : (state.State.LastId + PageSize - 1) / PageSize;

    private string PageKey(long pageIndex) => $"{CommunityId}/{pageIndex}";

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
    public async Task Pseudonymise(string userId, string displayName, string pseudonym)
    {
        var names = new Pseudonym(userId, displayName, pseudonym);
        if (Pseudonym.Rewrite(state.State.Entries, e => AuditLogGrain.Scrubbed(e, names)))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task Seal(IReadOnlyList<AuditEntry> entries)
    {
        if (state.RecordExists)
        {
            return;
        }

        state.State.Entries = [.. entries];
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<AuditEntry>> Read() => Task.FromResult<IReadOnlyList<AuditEntry>>(state.State.Entries);
}

/// <summary>The one role check all moderation entry points share.</summary>
public static class ModerationRoles
{
    public static Task<MemberInfo> RequireModerator(IGrainFactory grains, string communityId, Actor caller) =>
        RequireRole(grains, communityId, caller, MemberRole.Moderator, "Only moderators, admins and the owner moderate.");

    public static Task<MemberInfo> RequireAdmin(IGrainFactory grains, string communityId, Actor caller, string refusal) =>
        RequireRole(grains, communityId, caller, MemberRole.Admin, refusal);

    private static async Task<MemberInfo> RequireRole(IGrainFactory grains, string communityId, Actor caller, MemberRole least, string refusal)
    {
        await grains.GetGrain<ICommunityGrain>(communityId).GetInfo();
        var member = await grains.GetGrain<IMemberGrain>(MemberKey.For(communityId, caller.UserId)).Get()
            ?? throw new CommunityException(ErrorCodes.NotMember, $"You are not a member of community '{communityId}'.");
        return member.Role >= least ? member : throw new CommunityException(ErrorCodes.Forbidden, refusal);
    }
}
