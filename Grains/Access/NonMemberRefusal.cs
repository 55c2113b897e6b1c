using CommunityScale.Errors;

namespace CommunityScale.Access;

/// <summary>
/// The refusal of a caller who is not a member: <c>not_found</c> in a private community (its existence is for its
/// members to know, and "join first" would tell it) and for a community that does not exist (whose rules read as a
/// public one's: "join first" there would tell the two apart), <c>not_member</c> elsewhere. Asked only on the way to a
/// refusal, so a member's call costs nothing more.
/// </summary>
public static class NonMemberRefusal
{
    public static async Task<CommunityException> For(IGrainFactory grains, string communityId, string message)
    {
        try
        {
            await RequireVisible(grains, communityId, (await grains.GetGrain<ICommunityAccessGrain>(communityId).GetRules()).Visibility);
        }
        catch (CommunityException ex) when (ex.Code == ErrorCodes.NotFound)
        {
            return ex;
        }

        return new CommunityException(ErrorCodes.NotMember, message);
    }

    /// <summary>
    /// Throws <c>not_found</c> where a non-member may not learn that the community exists: a private one (by its
    /// <paramref name="visibility"/>), or one that does not exist (its rules read as a public one's).
    /// </summary>
    public static async Task RequireVisible(IGrainFactory grains, string communityId, CommunityVisibility visibility)
    {
        if (visibility == CommunityVisibility.Private)
        {
            throw CommunityException.NotFound($"Community '{communityId}'");
        }

        // Interleaves: the community grain itself may be the one asking. Throws not_found for a community never created.
        await grains.GetGrain<Communities.ICommunityGrain>(communityId).GetInfo();
    }
}
