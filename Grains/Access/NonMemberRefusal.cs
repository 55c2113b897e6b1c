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
        if ((await grains.GetGrain<ICommunityAccessGrain>(communityId).GetRules()).Visibility == CommunityVisibility.Private)
        {
            return CommunityException.NotFound($"Community '{communityId}'");
        }

        try
        {
            // Interleaves: the community grain itself may be the one asking.
            await grains.GetGrain<Communities.ICommunityGrain>(communityId).GetInfo();
        }
        catch (CommunityException ex) when (ex.Code == ErrorCodes.NotFound)
        {
            return ex;
        }

        return new CommunityException(ErrorCodes.NotMember, message);
    }
}
