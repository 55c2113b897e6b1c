using CommunityScale.Communities;
using Orleans.Concurrency;

namespace CommunityScale.Access;

/// <summary>
/// A community's roles and permission overrides (key: community id), versioned. Every change is checked against the
/// caller's own permissions and position (a manager changes only roles below their own highest and grants only what
/// they hold), and is announced on the affected channels' streams, so gateways drop connections that lost "view".
/// </summary>
[Alias("cs.ICommunityAccessGrain")]
public interface ICommunityAccessGrain : IGrainWithStringKey
{
    /// <summary>The rules as they are now; interleaves, so grains the access grain waits on may ask it.</summary>
    [AlwaysInterleave, Alias("GetRules")]
    Task<AccessRules> GetRules();

    /// <summary>What a user may do in the community as a whole, or in one channel (none there when they may not view it).</summary>
    [AlwaysInterleave, Alias("PermissionsOf")]
    Task<Permissions> PermissionsOf(string userId, string? channelId);

    /// <summary>
    /// Who the user is to the community's content: <c>not_found</c> when it is private and they are not a member (its
    /// existence is not theirs to know); else whether they are a member and what they may do in it as a whole.
    /// </summary>
    [AlwaysInterleave, Alias("ReaderOf")]
    Task<CommunityReader> ReaderOf(string userId);

    /// <summary>Creates a custom role or replaces one (its permissions, name, colour, position); built-in roles change only their permissions.</summary>
    [Alias("SaveRole")]
    Task<CommunityRole> SaveRole(RoleDraft draft, Actor caller);

    /// <summary>Deletes a custom role; members holding it lose it, overrides naming it go with it.</summary>
    [Alias("DeleteRole")]
    Task DeleteRole(string roleId, Actor caller);

    /// <summary>Replaces the roles a member holds (custom ones, plus <c>moderator</c> or <c>admin</c>, which set their rank).</summary>
    [Alias("SetMemberRoles")]
    Task<MemberInfo> SetMemberRoles(string userId, IReadOnlyList<string> roleIds, Actor caller);

    /// <summary>The community grain tells the visibility it stored (its own record is the source); visitors' reads follow it.</summary>
    [Alias("ApplyVisibility")]
    Task ApplyVisibility(CommunityVisibility visibility, string by);

    /// <summary>The places where an override names the member (for their export).</summary>
    [Alias("OverridePlacesOf")]
    Task<IReadOnlyList<string>> OverridePlacesOf(string userId);

    /// <summary>Erasure: drops every override naming the member (idempotent).</summary>
    [Alias("ForgetMember")]
    Task ForgetMember(string userId);

    /// <summary>Replaces every override of one place (<see cref="AccessPlaces"/>); an empty list clears them.</summary>
    [Alias("SetOverrides")]
    Task<IReadOnlyList<PermissionOverride>> SetOverrides(string place, IReadOnlyList<PermissionOverride> overrides, Actor caller);
}
