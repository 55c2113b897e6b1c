using CommunityScale.Errors;

namespace CommunityScale.Access;

/// <summary>
/// The refusal of a caller who is not a member: <c>not_found</c> in a private community (its existence is for its
/// members to know, and "join first" would tell it), <c>not_member</c> elsewhere. Asked only on the way to a refusal, so
/// a member's call costs nothing more.
/// </summary>
public static class NonMemberRefusal
{
    public static async Task<CommunityException> For(IGrainFactory grains, string communityId, string message) =>
        (await grains.GetGrain<ICommunityAccessGrain>(communityId).GetRules()).Visibility == CommunityVisibility.Private
            ? CommunityException.NotFound($"Community '{communityId}'")
            : new CommunityException(ErrorCodes.NotMember, message);
}
