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
    public static IMemberGrain Member(this IGrainFactory grains, MemberKey key) => grains.ByKey<IMemberGrain>(key.ToString());

    public static IMemberGrain Member(this IGrainFactory grains, string communityId, string userId) => grains.Member(new MemberKey(communityId, userId));

    public static IMemberPointsGrain MemberPoints(this IGrainFactory grains, MemberKey key) => grains.ByKey<IMemberPointsGrain>(key.ToString());

    public static IMemberPointsGrain MemberPoints(this IGrainFactory grains, string communityId, string userId) => grains.MemberPoints(new MemberKey(communityId, userId));

    public static IMemberPrivacyGrain MemberPrivacy(this IGrainFactory grains, MemberKey key) => grains.ByKey<IMemberPrivacyGrain>(key.ToString());

    public static IChannelGrain Channel(this IGrainFactory grains, ChannelKey key) => grains.ByKey<IChannelGrain>(key.ToString());

    public static IHistoryPageGrain HistoryPage(this IGrainFactory grains, ChannelKey channel, long pageIndex) =>
        grains.ByKey<IHistoryPageGrain>(new PageKey(channel.ToString(), pageIndex).ToString());

    public static IMessageReactionsGrain MessageReactions(this IGrainFactory grains, ChannelKey channel, long pageIndex) =>
        grains.ByKey<IMessageReactionsGrain>(new PageKey(channel.ToString(), pageIndex).ToString());

    public static IChannelPresenceGrain ChannelPresence(this IGrainFactory grains, ChannelKey key) => grains.ByKey<IChannelPresenceGrain>(key.ToString());

    public static IGatewayRegistryGrain GatewayRegistry(this IGrainFactory grains) => grains.ByKey<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key);

    public static IThreadGrain Thread(this IGrainFactory grains, ThreadKey key) => grains.ByKey<IThreadGrain>(key.ToString());

    public static IThreadPageGrain ThreadPage(this IGrainFactory grains, ThreadKey thread, long pageIndex) =>
        grains.ByKey<IThreadPageGrain>(new PageKey(thread.ToString(), pageIndex).ToString());

    public static IAttachmentGrain Attachment(this IGrainFactory grains, AttachmentKey key) => grains.ByKey<IAttachmentGrain>(key.ToString());

    public static IAttachmentGrain Attachment(this IGrainFactory grains, string communityId, string attachmentId) => grains.Attachment(new AttachmentKey(communityId, attachmentId));

    public static IAuditPageGrain AuditPage(this IGrainFactory grains, string communityId, long pageIndex) =>
        grains.ByKey<IAuditPageGrain>(new PageKey(communityId, pageIndex).ToString());

    public static IEventGrain Event(this IGrainFactory grains, EventKey key) => grains.ByKey<IEventGrain>(key.ToString());

    public static ISurveyGrain Survey(this IGrainFactory grains, EventKey key) => grains.ByKey<ISurveyGrain>(key.ToString());

    public static IQuestionBoardGrain QuestionBoard(this IGrainFactory grains, SessionKey key) => grains.ByKey<IQuestionBoardGrain>(key.ToString());

    public static IQuestionGrain Question(this IGrainFactory grains, SessionItemKey key) => grains.ByKey<IQuestionGrain>(key.ToString());

    public static IPollGrain Poll(this IGrainFactory grains, SessionItemKey key) => grains.ByKey<IPollGrain>(key.ToString());

    public static ICampaignGrain Campaign(this IGrainFactory grains, CampaignKey key) => grains.ByKey<ICampaignGrain>(key.ToString());

    public static IKpiWeekGrain KpiWeek(this IGrainFactory grains, KpiWeekKey key) => grains.ByKey<IKpiWeekGrain>(key.ToString());

    public static ILeaderboardGrain Leaderboard(this IGrainFactory grains, BoardKey key) => grains.ByKey<ILeaderboardGrain>(key.ToString());

    public static ILeaderboardShardGrain LeaderboardShard(this IGrainFactory grains, BoardShardKey key) => grains.ByKey<ILeaderboardShardGrain>(key.ToString());

    public static IWebhookEndpointGrain WebhookEndpoint(this IGrainFactory grains, WebhookEndpointKey key) => grains.ByKey<IWebhookEndpointGrain>(key.ToString());

    /// <summary>
    /// <c>GetGrain&lt;T&gt;(key)</c> without its reflection: Orleans resolves the interface's grain type from its
    /// attributes on every call (5 % of the silo's CPU in many-channels, docs/performance.md), so the two types are
    /// resolved once per interface and the reference is made from the grain id. A reference is the same either way.
    /// </summary>
    public static T ByKey<T>(this IGrainFactory grains, string key)
        where T : IGrainWithStringKey
    {
        var types = ResolvedTypes<T>.Value ??= Resolve<T>(grains);
        return (T)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
    }

    private static GrainTypes Resolve<T>(IGrainFactory grains)
        where T : IGrainWithStringKey
    {
        var reference = (GrainReference)(object)grains.GetGrain<T>("-");
        return new GrainTypes(reference.GrainId.Type, reference.InterfaceType);
    }

    // A class, so that publishing it is one reference write. Grain and interface types are names derived from the
    // types' aliases: the same on every silo and client.
    private sealed record GrainTypes(GrainType Grain, GrainInterfaceType Interface);

    private static class ResolvedTypes<T>
    {
        public static GrainTypes? Value;
    }
}
