using System.Globalization;
using CommunityScale.FollowUps;
using CommunityScale.Integrations;
using CommunityScale.Notifications;

namespace CommunityScale.Gamification;

/// <summary>
/// What an award owes the member and integrations, recorded in the points grain's outbox with the award itself: a
/// notice per badge, completed challenge and new level (the inbox keeps one per community and source), and the
/// <c>badge.awarded</c> and <c>points.awarded</c> webhooks (their ids are the follow-ups', so endpoints drop a repeat).
/// </summary>
public static class PointsFollowUps
{
    /// <summary>A batch's notices in one follow-up (one delivery, one inbox write); none when the batch earned nothing to tell.</summary>
    public static IEnumerable<FollowUp> Notices(MemberKey member, IReadOnlyList<Badge> earned, IReadOnlyList<Challenge> completed, int levelBefore, int level, long total)
    {
        var drafts = Drafts(member, earned, completed, levelBefore, level, total).ToList();
        return drafts.Count == 0 ? [] : [new SendMemberNotices(member.UserId, drafts)];
    }

    private static IEnumerable<NotificationDraft> Drafts(MemberKey member, IReadOnlyList<Badge> earned, IReadOnlyList<Challenge> completed, int levelBefore, int level, long total)
    {
        foreach (var badge in earned)
        {
            yield return new(member.CommunityId, NotificationKinds.BadgeEarned, $"You earned the {badge.Tier.ToString().ToLowerInvariant()} '{badge.Id}' badge.",
                $"badge:{member.CommunityId}:{badge.Id}:{badge.Tier}");
        }

        foreach (var challenge in completed)
        {
            yield return new(member.CommunityId, NotificationKinds.ChallengeCompleted, $"Challenge complete: {challenge.Title} (+{challenge.BonusPoints} points).",
                $"challenge:{member.CommunityId}:{challenge.Id}");
        }

        if (level > levelBefore)
        {
            yield return new(member.CommunityId, NotificationKinds.LevelUp, string.Create(CultureInfo.InvariantCulture, $"You reached level {level} with {total} points."),
                string.Create(CultureInfo.InvariantCulture, $"level:{member.CommunityId}:{level}"));
        }
    }

    /// <summary>The webhooks some endpoint of the community wants (<paramref name="wanted"/>): one per badge, one for the batch's awards.</summary>
    public static IEnumerable<FollowUp> Webhooks(MemberKey member, IReadOnlyCollection<string> wanted, IReadOnlyList<Badge> earned, IReadOnlyList<PointsAwarded> awards,
        DateTimeOffset now)
    {
        if (wanted.Contains(WebhookEventKinds.BadgeAwarded))
        {
            foreach (var badge in earned)
            {
                yield return RaiseWebhook.Of(member.CommunityId, WebhookEventKinds.BadgeAwarded, badge.At, new BadgeEarned(member.CommunityId, member.UserId, badge));
            }
        }

        if (awards.Count > 0 && wanted.Contains(WebhookEventKinds.PointsAwarded))
        {
            // One event carries the batch's awards, as a list, like every points.awarded before it.
            yield return RaiseWebhook.Of(member.CommunityId, WebhookEventKinds.PointsAwarded, now, awards);
        }
    }
}
