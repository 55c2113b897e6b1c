using CommunityScale.Campaigns;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Events;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Posting;
using CommunityScale.Privacy;
using CommunityScale.Threads;

namespace CommunityScale;

/// <summary>
/// Grains by their typed keys (Keys/GrainKeys.cs), so no caller formats a composite key: <c>grains.Member(key)</c>
/// rather than <c>grains.GetGrain&lt;IMemberGrain&gt;($"{community}/{user}")</c>. Works on a silo's factory and on the
/// gateway's cluster client alike.
/// </summary>
public static class GrainFactoryKeys
{
    public static IMemberGrain Member(this IGrainFactory grains, MemberKey key) => grains.GetGrain<IMemberGrain>(key.ToString());

    public static IMemberGrain Member(this IGrainFactory grains, string communityId, string userId) => grains.Member(new MemberKey(communityId, userId));

    public static IMemberPointsGrain MemberPoints(this IGrainFactory grains, MemberKey key) => grains.GetGrain<IMemberPointsGrain>(key.ToString());

    public static IMemberPointsGrain MemberPoints(this IGrainFactory grains, string communityId, string userId) => grains.MemberPoints(new MemberKey(communityId, userId));

    public static IMemberPrivacyGrain MemberPrivacy(this IGrainFactory grains, MemberKey key) => grains.GetGrain<IMemberPrivacyGrain>(key.ToString());

    public static IChannelGrain Channel(this IGrainFactory grains, ChannelKey key) => grains.GetGrain<IChannelGrain>(key.ToString());

    public static IHistoryPageGrain HistoryPage(this IGrainFactory grains, ChannelKey channel, long pageIndex) =>
        grains.GetGrain<IHistoryPageGrain>(new PageKey(channel.ToString(), pageIndex).ToString());

    public static IMessageReactionsGrain MessageReactions(this IGrainFactory grains, ChannelKey channel, long pageIndex) =>
        grains.GetGrain<IMessageReactionsGrain>(new PageKey(channel.ToString(), pageIndex).ToString());

    public static IChannelPresenceGrain ChannelPresence(this IGrainFactory grains, ChannelKey key) => grains.GetGrain<IChannelPresenceGrain>(key.ToString());

    public static IThreadGrain Thread(this IGrainFactory grains, ThreadKey key) => grains.GetGrain<IThreadGrain>(key.ToString());

    public static IThreadPageGrain ThreadPage(this IGrainFactory grains, ThreadKey thread, long pageIndex) =>
        grains.GetGrain<IThreadPageGrain>(new PageKey(thread.ToString(), pageIndex).ToString());

    public static IAttachmentGrain Attachment(this IGrainFactory grains, AttachmentKey key) => grains.GetGrain<IAttachmentGrain>(key.ToString());

    public static IAttachmentGrain Attachment(this IGrainFactory grains, string communityId, string attachmentId) => grains.Attachment(new AttachmentKey(communityId, attachmentId));

    public static IAuditPageGrain AuditPage(this IGrainFactory grains, string communityId, long pageIndex) =>
        grains.GetGrain<IAuditPageGrain>(new PageKey(communityId, pageIndex).ToString());

    public static IEventGrain Event(this IGrainFactory grains, EventKey key) => grains.GetGrain<IEventGrain>(key.ToString());

    public static ISurveyGrain Survey(this IGrainFactory grains, EventKey key) => grains.GetGrain<ISurveyGrain>(key.ToString());

    public static IQuestionBoardGrain QuestionBoard(this IGrainFactory grains, SessionKey key) => grains.GetGrain<IQuestionBoardGrain>(key.ToString());

    public static IQuestionGrain Question(this IGrainFactory grains, SessionItemKey key) => grains.GetGrain<IQuestionGrain>(key.ToString());

    public static IPollGrain Poll(this IGrainFactory grains, SessionItemKey key) => grains.GetGrain<IPollGrain>(key.ToString());

    public static ICampaignGrain Campaign(this IGrainFactory grains, CampaignKey key) => grains.GetGrain<ICampaignGrain>(key.ToString());

    public static IKpiWeekGrain KpiWeek(this IGrainFactory grains, KpiWeekKey key) => grains.GetGrain<IKpiWeekGrain>(key.ToString());

    public static ILeaderboardGrain Leaderboard(this IGrainFactory grains, BoardKey key) => grains.GetGrain<ILeaderboardGrain>(key.ToString());

    public static ILeaderboardShardGrain LeaderboardShard(this IGrainFactory grains, BoardShardKey key) => grains.GetGrain<ILeaderboardShardGrain>(key.ToString());

    public static IWebhookEndpointGrain WebhookEndpoint(this IGrainFactory grains, WebhookEndpointKey key) => grains.GetGrain<IWebhookEndpointGrain>(key.ToString());
}
