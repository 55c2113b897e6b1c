using CommunityScale.Chat;

namespace CommunityScale.Streams;

/// <summary>The stream provider and namespaces of ARCHITECTURE.md's fan-out.</summary>
public static class StreamNames
{
    /// <summary>The stream provider registered on silos and gateways alike.</summary>
    public const string Provider = "chat";

    public const string ChannelNamespace = "channel";

    /// <summary>A user's personal events (key: user id): notifications, later points and badges.</summary>
    public const string MemberNamespace = "member";

    /// <summary>A community's moderators' queue (key: community id).</summary>
    public const string ModerationNamespace = "moderation";

    /// <summary>A forum thread's posts and changes (key: <c>community/thread</c>).</summary>
    public const string ThreadNamespace = "thread";

    public static StreamId ForThread(Threads.ThreadKey key) => StreamId.Create(ThreadNamespace, key.ToString());

    /// <summary>An event session's live Q&amp;A (key: <c>community/event/session</c>).</summary>
    public const string SessionNamespace = "session";

    public static StreamId ForSession(string sessionKey) => StreamId.Create(SessionNamespace, sessionKey);

    /// <summary>A community's live KPI updates for managers' dashboards (key: community id).</summary>
    public const string KpiNamespace = "kpi";

    public static StreamId ForKpis(string communityId) => StreamId.Create(KpiNamespace, communityId);

    /// <summary>
    /// A community's access changes that concern its forum (key: community id): the <see cref="ChannelAccessChanged"/>
    /// channels get on their own streams, told once per community and not on each thread's stream, because a community
    /// holds up to 20,000 threads (a routing record each) while only the few with live readers have a gateway to tell.
    /// </summary>
    public const string ForumAccessNamespace = "forum-access";

    public static StreamId ForForumAccess(string communityId) => StreamId.Create(ForumAccessNamespace, communityId);

    public static StreamId ForChannel(ChannelKey key) => StreamId.Create(ChannelNamespace, key.ToString());

    /// <summary>
    /// A user's personal stream, keyed by their account's random stream key (<see cref="Communities.IUserAccountGrain.GetStreamKey"/>),
    /// not their id: Orleans keeps a routing record per stream id, and one that named the user would outlive their erasure.
    /// </summary>
    public static StreamId ForMember(string streamKey) => StreamId.Create(MemberNamespace, streamKey);

    public static StreamId ForModeration(string communityId) => StreamId.Create(ModerationNamespace, communityId);
}

/// <summary>The grain storage names the silo must register.</summary>
public static class StorageNames
{
    public const string Main = "main";
    public const string PubSub = "PubSubStore";
}
