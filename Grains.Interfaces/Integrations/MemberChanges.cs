using CommunityScale.Communities;

namespace CommunityScale.Integrations;

/// <summary>
/// One entry of the CRM change feed: the member's state now (profile and points), in the order members last changed.
/// <see cref="Kind"/>: <c>upsert</c>, or <c>erased</c> when no member record exists any more.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.MemberChange")]
public sealed record MemberChange(
    [property: Id(0)] long Seq,
    [property: Id(1)] string UserId,
    [property: Id(2)] string Kind,
    [property: Id(3)] DateTimeOffset ChangedAt,
    [property: Id(4)] MemberInfo? Member,
    [property: Id(5)] Gamification.PointsProfile? Points);

/// <summary>A page of the feed; pass <see cref="NextSince"/> as <c>since</c> to continue (also when nothing is left: it is where to poll from).</summary>
[GenerateSerializer, Immutable, Alias("cs.MemberChangePage")]
public sealed record MemberChangePage([property: Id(0)] IReadOnlyList<MemberChange> Items, [property: Id(1)] long NextSince, [property: Id(2)] bool HasMore);

/// <summary>
/// A community's member change feed (key: community id): each member appears once, at the position of their latest
/// change, so a CRM that reads from its last <c>since</c> gets every member who changed, with their current state.
/// </summary>
[Alias("cs.IMemberChangeFeedGrain")]
public interface IMemberChangeFeedGrain : IGrainWithStringKey
{
    /// <summary>Marks members as changed (written behind); a silo's member and points grains send theirs gathered (<c>GatheredUpdates</c>).</summary>
    [Alias("TouchMany")]
    Task TouchMany(IReadOnlyList<string> userIds);

    /// <summary>
    /// As <see cref="TouchMany"/> for one member, answered once the mark is stored: an erasure's last word on a member, who never changes
    /// again and so would never reappear if a written-behind mark were lost.
    /// </summary>
    [Alias("Erased")]
    Task Erased(string userId);

    /// <summary>Admins, or an API token the gateway checked for <c>members:read</c> (<paramref name="viaToken"/>).</summary>
    [Alias("Read")]
    Task<MemberChangePage> Read(long since, int limit, Actor caller, bool viaToken);

    /// <summary>
    /// The community's members after position <paramref name="after"/>, for work that must reach every member (a
    /// campaign's start notice). A member who changes meanwhile moves forward, so paging never skips anyone.
    /// </summary>
    [Alias("Members")]
    Task<(IReadOnlyList<string> UserIds, long Next)> Members(long after, int limit);
}
