using CommunityScale.Communities;
using CommunityScale.Errors;

namespace CommunityScale.Moderation;

/// <summary>What a member's standing says about posting anything (a chat message, a forum post, a reaction).</summary>
public static class PostingRules
{
    /// <summary>The caller's membership, or <c>not_member</c>.</summary>
    public static async Task<MemberInfo> RequireMember(IGrainFactory grains, string communityId, string userId) =>
        await grains.Member(communityId, userId).Get()
        ?? throw await Access.NonMemberRefusal.For(grains, communityId, $"Join community '{communityId}' first.");

    /// <summary>Refuses a banned member (<c>banned</c>): voting, RSVPs and the like; posting also needs <see cref="RequireMayPost"/>.</summary>
    public static void RequireNotBanned(MemberInfo member)
    {
        if (member.BannedReason is { } banned)
        {
            throw new CommunityException(ErrorCodes.Banned, $"You are banned from this community: {banned}");
        }
    }

    /// <summary>Refuses a banned member (<c>banned</c>) or one muted until later (<c>muted</c>, with the minutes left).</summary>
    public static void RequireMayPost(MemberInfo member, DateTimeOffset now)
    {
        RequireNotBanned(member);

        if (member.MutedUntil is { } mutedUntil && mutedUntil > now)
        {
            throw new CommunityException(ErrorCodes.Muted, $"You are muted until {mutedUntil:u} ({Math.Ceiling((mutedUntil - now).TotalMinutes):0} min left).");
        }
    }

    /// <summary>Refuses a member who has not accepted the guidelines in force (<c>consent_required</c>): a new version asks again.</summary>
    public static void RequireConsent(MemberInfo member, int guidelinesVersion)
    {
        // A bot acts for the admin who created its token: it is bound by their acceptance, not asked itself.
        if (member.GuidelinesVersion < guidelinesVersion && !Integrations.ApiTokenFormat.IsBot(member.UserId))
        {
            throw new CommunityException(ErrorCodes.ConsentRequired,
                $"The community published version {guidelinesVersion} of its guidelines; accept it (PUT …/members/me/consent) to post again.");
        }
    }

    /// <summary>The pipeline's view of a post: moderators and up are trusted without limit and skip slow mode.</summary>
    public static ModerationInput InputFor(MemberInfo member, string authorId, string text, DateTimeOffset now) =>
        new(authorId, member.Role >= MemberRole.Moderator ? int.MaxValue : member.TrustLevel, text, now)
        {
            Privileged = member.Role >= MemberRole.Moderator,
        };
}
