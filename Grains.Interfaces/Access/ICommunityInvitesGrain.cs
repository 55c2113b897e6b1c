using CommunityScale.Communities;
using Orleans.Concurrency;

namespace CommunityScale.Access;

/// <summary>
/// The ways into a restricted or private community (key: community id): invite links and join requests. Members with
/// <c>moderate</c> create, list and revoke invites and decide requests; every step is audited.
/// </summary>
[Alias("cs.ICommunityInvitesGrain")]
public interface ICommunityInvitesGrain : IGrainWithStringKey
{
    /// <summary>Creates an invite link; <paramref name="maxUses"/> 0 means unlimited.</summary>
    [Alias("CreateInvite")]
    Task<Invite> CreateInvite(TimeSpan? lifetime, int maxUses, Actor caller);

    [Alias("ListInvites")]
    Task<IReadOnlyList<Invite>> ListInvites(Actor caller);

    [Alias("RevokeInvite")]
    Task<Invite> RevokeInvite(string code, Actor caller);

    /// <summary>
    /// Uses an invite for a user about to join (the community grain calls it while joining): counted and audited, or
    /// refused (<c>not_found</c> unknown, <c>forbidden</c> revoked, expired or used up). Interleaves: this grain may
    /// itself be waiting on the community grain (approving a request).
    /// </summary>
    [AlwaysInterleave, Alias("RedeemInvite")]
    Task RedeemInvite(string code, Actor who);

    /// <summary>
    /// Whether the code names an invite of this community, usable or not: a private community shows its guidelines to
    /// whoever holds one (the community told them it exists; joining then says why a spent one no longer works).
    /// </summary>
    [AlwaysInterleave, Alias("IsKnown")]
    Task<bool> IsKnown(string code);

    /// <summary>Asks to join a restricted community; asking again replaces the request.</summary>
    [Alias("RequestToJoin")]
    Task<JoinRequest> RequestToJoin(Actor who, Privacy.ConsentGiven consent);

    [Alias("ListJoinRequests")]
    Task<IReadOnlyList<JoinRequest>> ListJoinRequests(Actor caller);

    /// <summary>The invites the member made and their waiting request (for their export).</summary>
    [Alias("CollectMember")]
    Task<MemberAccessTrace> CollectMember(string userId);

    /// <summary>Erasure: their invites name the pseudonym as creator, their request goes (idempotent).</summary>
    [Alias("EraseMember")]
    Task EraseMember(string userId, string pseudonym);

    /// <summary>A moderator approves (the user becomes a member) or declines a request.</summary>
    [Alias("DecideJoinRequest")]
    Task<MemberInfo?> DecideJoinRequest(string userId, bool approve, Actor caller);
}
