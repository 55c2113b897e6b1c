using CommunityScale.Gateway.Hubs;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Streams;
using Microsoft.AspNetCore.SignalR;
using Orleans.Streams;

namespace CommunityScale.Gateway.Relay;

/// <summary>
/// Fan-out for streams without a sequence: one stream subscription per key with local listeners, reference-counted by
/// connections, and one SignalR group send per event. What such a stream drops is not lost: the inbox and the review
/// queue it announces are stored and read over REST, so there is no gap fill here (unlike <see cref="ChannelRelay"/>).
/// </summary>
public abstract partial class TopicRelay<TEvent>(IClusterClient cluster, IHubContext<CommunityHub, ICommunityClient> hub, ILogger logger)
    : IConnectionRelay
{
    private readonly Dictionary<string, Topic> _topics = new(StringComparer.Ordinal);
    private readonly ConnectionIndex<string> _connections = new();

    protected IHubContext<CommunityHub, ICommunityClient> Hub { get; } = hub;

    protected abstract StreamId StreamOf(string key);

    protected abstract string GroupOf(string key);

    protected abstract Task Deliver(string group, TEvent streamEvent);

    public async Task Join(string connectionId, string key)
    {
        var topic = TopicFor(key, create: true)!;
        await topic.Gate.WaitAsync();
        try
        {
            topic.Subscription ??= await Subscribe(topic);
            if (topic.Connections.Add(connectionId))
            {
                await Hub.Groups.AddToGroupAsync(connectionId, topic.Group);
                _connections.Add(connectionId, key);
            }
        }
        finally
        {
            topic.Gate.Release();
        }
    }

    public async Task Leave(string connectionId, string key)
    {
        if (TopicFor(key, create: false) is not { } topic)
        {
            return;
        }

        await topic.Gate.WaitAsync();
        try
        {
            if (topic.Connections.Remove(connectionId))
            {
                await Hub.Groups.RemoveFromGroupAsync(connectionId, topic.Group);
                _connections.Remove(connectionId, key);
            }

            if (topic.Connections.Count == 0 && topic.Subscription is { } subscription)
            {
                topic.Subscription = null;
                await subscription.UnsubscribeAsync();
            }
        }
        finally
        {
            topic.Gate.Release();
        }
    }

    public async Task LeaveAll(string connectionId)
    {
        foreach (var key in _connections.RemoveAll(connectionId))
        {
            await Leave(connectionId, key);
        }
    }

    /// <summary>
    /// The cluster connection came back: subscriptions may have gone with a silo, so each is renewed now, one topic after
    /// another; a failure is logged and the next topic still renewed, so the returned task does not fault.
    /// </summary>
    public async Task OnClusterReconnected()
    {
        Topic[] topics;
        lock (_topics)
        {
            topics = [.. _topics.Values];
        }

        foreach (var topic in topics)
        {
            await topic.Gate.WaitAsync();
            try
            {
                if (topic.Subscription is { } old)
                {
                    try
                    {
                        await old.UnsubscribeAsync();
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        LogRelayFailed(logger, ex, topic.Group);
                    }

                    topic.Subscription = await Subscribe(topic);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogRelayFailed(logger, ex, topic.Group);
            }
            finally
            {
                topic.Gate.Release();
            }
        }
    }

    private Task<StreamSubscriptionHandle<TEvent>> Subscribe(Topic topic) =>
        cluster.GetStreamProvider(StreamNames.Provider).GetStream<TEvent>(StreamOf(topic.Key)).SubscribeAsync(async (e, _) =>
        {
            try
            {
                await Deliver(topic.Group, e);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogRelayFailed(logger, ex, topic.Group);
            }
        });

    private Topic? TopicFor(string key, bool create)
    {
        lock (_topics)
        {
            if (!_topics.TryGetValue(key, out var topic) && create)
            {
                _topics[key] = topic = new Topic(key, GroupOf(key));
            }

            return topic;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relaying on {Group} failed")]
    private static partial void LogRelayFailed(ILogger logger, Exception ex, string group);

    private sealed class Topic(string key, string group)
    {
        public string Key { get; } = key;

        public string Group { get; } = group;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public HashSet<string> Connections { get; } = new(StringComparer.Ordinal);

        public StreamSubscriptionHandle<TEvent>? Subscription { get; set; }
    }
}

/// <summary>A user's personal events (key: their stream key) to all of that user's connections on this gateway.</summary>
public sealed class MemberRelay(IClusterClient cluster, IHubContext<CommunityHub, ICommunityClient> hub, ILogger<MemberRelay> logger)
    : TopicRelay<MemberStreamEvent>(cluster, hub, logger)
{
    protected override StreamId StreamOf(string key) => StreamNames.ForMember(key);

    protected override string GroupOf(string key) => $"member:{key}";

    protected override Task Deliver(string group, MemberStreamEvent streamEvent) => streamEvent switch
    {
        NotificationPosted posted => Hub.Clients.Group(group).Notification(posted.Notification),
        PointsPosted points => Hub.Clients.Group(group).PointsAwarded(points.Award),
        BadgePosted badge => Hub.Clients.Group(group).BadgeEarned(badge.Earned),
        _ => Task.CompletedTask,
    };
}

/// <summary>A community's review-queue changes (key: community id) to the moderators watching it on this gateway.</summary>
public sealed class ModerationRelay(IClusterClient cluster, IHubContext<CommunityHub, ICommunityClient> hub, ILogger<ModerationRelay> logger)
    : TopicRelay<ModerationEvent>(cluster, hub, logger)
{
    protected override StreamId StreamOf(string key) => StreamNames.ForModeration(key);

    protected override string GroupOf(string key) => $"moderation:{key}";

    protected override Task Deliver(string group, ModerationEvent streamEvent) => Hub.Clients.Group(group).ModerationEvent(streamEvent);
}

/// <summary>An event session's live Q&amp;A (key: <c>community/event/session</c>) to the connections watching it.</summary>
public sealed class SessionRelay(IClusterClient cluster, IHubContext<CommunityHub, ICommunityClient> hub, ILogger<SessionRelay> logger)
    : TopicRelay<SessionStreamEvent>(cluster, hub, logger)
{
    protected override StreamId StreamOf(string key) => StreamNames.ForSession(key);

    protected override string GroupOf(string key) => $"session:{key}";

    protected override Task Deliver(string group, SessionStreamEvent streamEvent) => streamEvent switch
    {
        QuestionAsked asked => Hub.Clients.Group(group).QuestionAsked(asked.Question),
        QuestionUpdated updated => Hub.Clients.Group(group).QuestionUpdated(updated.Question),
        PollUpdated poll => Hub.Clients.Group(group).PollUpdated(poll.Poll),
        _ => Task.CompletedTask,
    };
}

/// <summary>A community's live KPI updates (key: community id) to the managers' dashboards watching it.</summary>
public sealed class KpiRelay(IClusterClient cluster, IHubContext<CommunityHub, ICommunityClient> hub, ILogger<KpiRelay> logger)
    : TopicRelay<KpiStreamEvent>(cluster, hub, logger)
{
    protected override StreamId StreamOf(string key) => StreamNames.ForKpis(key);

    protected override string GroupOf(string key) => $"kpi:{key}";

    protected override Task Deliver(string group, KpiStreamEvent streamEvent) => streamEvent switch
    {
        KpiUpdated updated => Hub.Clients.Group(group).KpiUpdated(updated.Day),
        _ => Task.CompletedTask,
    };
}
