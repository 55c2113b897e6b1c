using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Access;

[GenerateSerializer, Alias("cs.CommunityAccessState")]
public sealed class CommunityAccessState
{
    /// <summary>Bumped by every change; caches compare it.</summary>
    [Id(0)] public long Version { get; set; }

    /// <summary>Every role, the built-in ones included (their permissions may have been changed).</summary>
    [Id(1)] public List<CommunityRole> Roles { get; set; } = [.. BuiltInRoles.Defaults];

    /// <summary>By place (<see cref="AccessPlaces"/>).</summary>
    [Id(2)] public Dictionary<string, List<PermissionOverride>> Overrides { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The audit entries of changes, still owed.</summary>
    [Id(3)] public OutboxState Outbox { get; set; } = new();

    /// <summary>A copy of the community's visibility (its record is the source), for judging visitors.</summary>
    [Id(4)] public CommunityVisibility Visibility { get; set; }
}

/// <summary>
/// A community's roles and overrides (see <see cref="ICommunityAccessGrain"/>). Small and rarely written; read through
/// each silo's <see cref="AccessRulesCache"/>. A change is stored with its audit entry, then announced on the affected
/// channels' streams (<see cref="ChannelAccessChanged"/>) so that gateways re-check the connections they hold there.
/// </summary>
public sealed partial class CommunityAccessGrain(
    [PersistentState("access", StorageNames.Main)] IPersistentState<CommunityAccessState> state,
    IOptions<OutboxOptions> outboxOptions,
    ILogger<CommunityAccessGrain> logger) : Grain, ICommunityAccessGrain, IRemindable
{

    public const int MaxRoles = 100;
    public const int MaxRolesPerMember = 20;
    public const int MaxOverridesPerPlace = 100;

    private readonly StateWriter<CommunityAccessState> _writer = new(state);
    private Outbox _outbox = null!;
    private AccessRules? _rules;

    private string CommunityId => this.GetPrimaryKeyString();

    private CommunityAccessState S => _writer.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger);
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    public Task<AccessRules> GetRules() => Task.FromResult(_rules ??= Snapshot());

    public async Task<Permissions> PermissionsOf(string userId, string? channelId)
    {
        var member = await GrainFactory.Member(CommunityId, InputRules.RequireId(userId, "user id")).Get();
        var rules = _rules ??= Snapshot();
        return channelId is null ? PermissionResolver.InCommunity(rules, member) : PermissionResolver.InChannel(rules, member, channelId);
    }

    public async Task<CommunityReader> ReaderOf(string userId)
    {
        var member = await GrainFactory.Member(CommunityId, InputRules.RequireId(userId, "user id")).Get();
        var rules = _rules ??= Snapshot();
        return member is null && rules.Visibility == CommunityVisibility.Private
            ? throw CommunityException.NotFound($"Community '{CommunityId}'")
            : new CommunityReader(member is not null, PermissionResolver.InCommunity(rules, member));
    }

    public async Task<CommunityRole> SaveRole(RoleDraft draft, Actor caller)
    {
        var (_, position, holds) = await RequireManager(caller);
        var id = InputRules.RequireId(draft.Id, "role id");
        var colour = AccessInput.RequireColour(draft.Colour);
        var existing = S.Roles.FindIndex(r => r.Id == id);
        if ((draft.Permissions & ~holds) != Permissions.None)
        {
            throw new CommunityException(ErrorCodes.Forbidden, $"You cannot grant what you do not hold: {string.Join(", ", PermissionNames.Format(draft.Permissions & ~holds))}.");
        }

        CommunityRole role;
        if (BuiltInRoles.IsBuiltIn(id))
        {
            if (id is BuiltInRoles.Admin or BuiltInRoles.Owner)
            {
                throw CommunityException.Invalid($"The {id} role holds every permission; it cannot be changed.");
            }

            // Built-in roles keep their name and place; their permissions and colour are the community's to choose.
            role = S.Roles[existing] with { Colour = colour, Permissions = draft.Permissions };
        }
        else
        {
            if (draft.Position is < 1 or > BuiltInRoles.MaxCustomPosition)
            {
                throw CommunityException.Invalid($"A role's position must be between 1 and {BuiltInRoles.MaxCustomPosition} (moderators are at {BuiltInRoles.ModeratorPosition}).");
            }

            if (existing < 0 && S.Roles.Count >= MaxRoles + BuiltInRoles.Defaults.Count)
            {
                throw CommunityException.Invalid($"A community may have at most {MaxRoles} roles of its own.");
            }

            role = new CommunityRole(id, InputRules.RequireName(draft.Name, "name"), colour, draft.Position, draft.Permissions);
        }

        RequireBelow(position, role.Position, id);
        if (existing >= 0)
        {
            RequireBelow(position, S.Roles[existing].Position, id);
            S.Roles[existing] = role;
        }
        else
        {
            S.Roles.Add(role);
        }

        await Changed(caller, existing >= 0 ? "role_changed" : "role_created", id, string.Join(", ", PermissionNames.Format(role.Permissions)));
        await Announce(null, null);
        return role;
    }

    public async Task DeleteRole(string roleId, Actor caller)
    {
        var (_, position, _) = await RequireManager(caller);
        var id = InputRules.RequireId(roleId, "role id");
        if (BuiltInRoles.IsBuiltIn(id))
        {
            throw CommunityException.Invalid($"The built-in role '{id}' cannot be deleted.");
        }

        var role = S.Roles.Find(r => r.Id == id) ?? throw CommunityException.NotFound($"Role '{id}'");
        RequireBelow(position, role.Position, id);
        S.Roles.Remove(role);
        foreach (var place in S.Overrides.Keys.ToList())
        {
            S.Overrides[place].RemoveAll(o => o.Target == OverrideTarget.Role && o.TargetId == id);
            if (S.Overrides[place].Count == 0)
            {
                S.Overrides.Remove(place);
            }
        }

        // Members keep the id in their record; with no role of that id it grants nothing, and a role made later under
        // the same id is not theirs: RolesOf is read against the rules, and SetMemberRoles drops unknown ids.
        await Changed(caller, "role_deleted", id, role.Name);
        await Announce(null, null);
    }

    public async Task<MemberInfo> SetMemberRoles(string userId, IReadOnlyList<string> roleIds, Actor caller)
    {
        var (_, position, _) = await RequireManager(caller);
        var target = await GrainFactory.Member(CommunityId, InputRules.RequireId(userId, "user id")).Get()
            ?? throw CommunityException.NotFound($"Member '{userId}' of '{CommunityId}'");
        var rules = Snapshot();
        if (PermissionResolver.PositionOf(rules, target) >= position)
        {
            throw new CommunityException(ErrorCodes.Forbidden, "You can only change the roles of members below your own highest role.");
        }

        var wanted = (roleIds ?? []).Select(r => InputRules.RequireId(r, "role id")).Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count > MaxRolesPerMember)
        {
            throw CommunityException.Invalid($"A member may hold at most {MaxRolesPerMember} roles.");
        }

        var rank = MemberRole.Member;
        var custom = new List<string>();
        foreach (var id in wanted)
        {
            var role = rules.Role(id) ?? throw CommunityException.NotFound($"Role '{id}'");
            switch (id)
            {
                case BuiltInRoles.Everyone:
                    continue;
                case BuiltInRoles.Owner:
                    throw CommunityException.Invalid("The owner role is not given; a community has one owner.");
                case BuiltInRoles.Admin:
                    rank = MemberRole.Admin;
                    break;
                case BuiltInRoles.Moderator:
                    rank = rank == MemberRole.Admin ? rank : MemberRole.Moderator;
                    break;
                default:
                    custom.Add(id);
                    break;
            }

            RequireBelow(position, role.Position, id);
        }

        // Taking a role away needs the same standing as giving it.
        foreach (var held in PermissionResolver.RolesOf(target).Except(wanted).Where(r => r != BuiltInRoles.Everyone))
        {
            RequireBelow(position, rules.Role(held)?.Position ?? 0, held);
        }

        var updated = await GrainFactory.Member(CommunityId, target.UserId).SetRoles(rank, custom);
        await Changed(caller, "member_roles", target.UserId, wanted.Count == 0 ? "none" : string.Join(", ", wanted));
        await Announce(null, target.UserId);
        return updated;
    }

    public Task<IReadOnlyList<string>> OverridePlacesOf(string userId) =>
        Task.FromResult<IReadOnlyList<string>>([.. S.Overrides.Where(p => p.Value.Exists(o => o.Target == OverrideTarget.Member && o.TargetId == userId)).Select(p => p.Key)]);

    public async Task ForgetMember(string userId)
    {
        var places = await OverridePlacesOf(userId);
        if (places.Count == 0)
        {
            return;
        }

        _rules ??= Snapshot();
        foreach (var place in places)
        {
            S.Overrides[place].RemoveAll(o => o.Target == OverrideTarget.Member && o.TargetId == userId);
            if (S.Overrides[place].Count == 0)
            {
                S.Overrides.Remove(place);
            }
        }

        // Not audited: an entry would name the member the erasure removes.
        S.Version++;
        await _writer.Write();
        _rules = null;
    }

    public async Task<IReadOnlyList<PermissionOverride>> SetOverrides(string place, IReadOnlyList<PermissionOverride> overrides, Actor caller)
    {
        var (_, _, holds) = await RequireManager(caller);
        var (key, channelId) = await AccessInput.RequirePlace(place,
            async id => (await GrainFactory.GetGrain<ICommunityGrain>(CommunityId).ListChannels()).Any(c => c.Id == id),
            async id => (await GrainFactory.GetGrain<Threads.IThreadDirectoryGrain>(CommunityId).GetCategories()).Any(c => c.Id == id));
        var merged = await AccessInput.Merge(overrides ?? [], MaxOverridesPerPlace, holds, id => Snapshot().Role(id) is not null,
            async id => await GrainFactory.Member(CommunityId, id).Get() is not null, CommunityId);
        if (merged.Count == 0)
        {
            S.Overrides.Remove(key);
        }
        else
        {
            S.Overrides[key] = merged;
        }

        await Changed(caller, "overrides", key, merged.Count == 0 ? "cleared" : string.Join("; ", merged.Select(AccessInput.Describe)));
        await (channelId is not null ? Announce(channelId, null) : AnnounceOn([StreamNames.ForForumAccess(CommunityId)], null));

        return merged;
    }

    public async Task ApplyVisibility(CommunityVisibility visibility, string by)
    {
        if (S.Visibility == visibility)
        {
            return;
        }

        _rules ??= Snapshot();
        S.Visibility = visibility;
        await Changed(new Actor(by, ""), "visibility", CommunityId, visibility.ToString().ToLowerInvariant());
        await Announce(null, null);
    }

    /// <summary>The caller's membership, position and permissions, when they may manage roles (<c>forbidden</c> otherwise).</summary>
    private async Task<(MemberInfo Member, int Position, Permissions Holds)> RequireManager(Actor caller)
    {
        _rules ??= Snapshot();
        await GrainFactory.GetGrain<ICommunityGrain>(CommunityId).GetInfo();
        var member = await GrainFactory.Member(CommunityId, caller.UserId).Get()
            ?? throw new CommunityException(ErrorCodes.NotMember, $"You are not a member of community '{CommunityId}'.");
        var rules = Snapshot();
        var holds = PermissionResolver.InCommunity(rules, member);
        return holds.HasFlag(Permissions.ManageRoles)
            ? (member, PermissionResolver.PositionOf(rules, member), holds)
            : throw new CommunityException(ErrorCodes.Forbidden, "Managing roles needs the manage_roles permission.");
    }

    private static void RequireBelow(int actorPosition, int rolePosition, string roleId)
    {
        if (rolePosition >= actorPosition)
        {
            throw new CommunityException(ErrorCodes.Forbidden, $"The role '{roleId}' is not below your own highest role.");
        }
    }

    /// <summary>
    /// Stores a change made to the state with its audit entry. Readers see the rules of before until it is stored; a
    /// failed write drops the activation, so the unstored change is not served either.
    /// </summary>
    private async Task Changed(Actor caller, string action, string target, string detail)
    {
        S.Version++;
        try
        {
            await _outbox.StoreAndWait(new AppendAudit(CommunityId, caller.UserId, action, target, detail));
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }

        _rules = null;
    }

    /// <summary>
    /// Tells the gateways listening on the affected channels (one, or all the community's and its forum's) to re-check
    /// who may view them. Best effort: a change reaches sends through the silos' caches anyway, and a lost announcement
    /// leaves a connection listening until it rejoins.
    /// </summary>
    private async Task Announce(string? channelId, string? userId) =>
        await AnnounceOn(channelId is not null
            ? [StreamNames.ForChannel(new ChannelKey(CommunityId, channelId))]
            : [.. (await ChannelIds()).Select(id => StreamNames.ForChannel(new ChannelKey(CommunityId, id))), StreamNames.ForForumAccess(CommunityId)], userId);

    private async Task AnnounceOn(IReadOnlyList<StreamId> streams, string? userId)
    {
        var change = new ChannelAccessChanged(S.Version, userId);
        var provider = this.GetStreamProvider(StreamNames.Provider);
        foreach (var stream in streams)
        {
            try
            {
                await provider.GetStream<ChannelStreamEvent>(stream).OnNextAsync(change);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogAnnounceFailed(logger, ex, CommunityId, stream.ToString());
            }
        }
    }

    /// <summary>The community's channels; none while it is being created (its visibility is set before its record is written).</summary>
    private async Task<List<string>> ChannelIds()
    {
        try
        {
            return [.. (await GrainFactory.GetGrain<ICommunityGrain>(CommunityId).ListChannels()).Select(c => c.Id)];
        }
        catch (CommunityException ex) when (ex.Code == ErrorCodes.NotFound)
        {
            return [];
        }
    }

    private AccessRules Snapshot() => _rules ??= new AccessRules(S.Version, [.. S.Roles],
        S.Overrides.ToDictionary(p => p.Key, p => (IReadOnlyList<PermissionOverride>)[.. p.Value], StringComparer.Ordinal), S.Visibility);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing an access change of community {Community} on {Stream} failed")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception ex, string community, string stream);
}
