using CommunityScale.Gateway.Hosting;
using CommunityScale.Gateway.Hubs;
using CommunityScale.Streams;
using CommunityScale.Threads;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace CommunityScale.Gateway.Relay;

/// <summary>
/// Threads' fan-out: the same relay as channels (<see cref="SequencedRelay{TKey, TEvent, TItem}"/>): new posts in seq
/// order with gap fill from the thread's pages; edits, removals, reactions and thread changes as they come. Access
/// changes drop connections as on channels (<see cref="SequencedRelay{TKey, TEvent, TItem}.DropNonViewers"/>), told
/// once per community on its forum-access stream (<see cref="StreamNames.ForForumAccess"/>), which this gateway
/// listens to while it holds a live thread of that community.
/// </summary>
public sealed partial class ThreadRelay(
    IClusterClient cluster,
    IHubContext<CommunityHub, ICommunityClient> hub,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    ILogger<ThreadRelay> logger) : SequencedRelay<ThreadKey, ThreadStreamEvent, ThreadPost>(hub, options, clock, logger)
{
    private readonly Dictionary<string, AccessWatch> _watches = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _watchesGate = new(1, 1);

    // Prefixed: a thread's group must never be a channel's group of the same name.
    protected override string GroupOf(ThreadKey key) => $"thread:{key}";

    protected override IAsyncStream<ThreadStreamEvent> StreamOf(ThreadKey key) =>
        cluster.GetStreamProvider(StreamNames.Provider).GetStream<ThreadStreamEvent>(StreamNames.ForThread(key));

    protected override Task<long> LastSeqOf(ThreadKey key) => Grain(key).GetLastSeq();

    protected override async Task<IReadOnlyList<ThreadPost>> HistoryOf(ThreadKey key, long afterSeq, int limit) =>
        (await Grain(key).GetPosts(afterSeq, limit)).Posts;

    protected override long SeqOf(ThreadPost item) => item.Seq;

    protected override Func<ICommunityClient, Task> SendOf(ThreadPost item) => c => c.ThreadPost(item);

    protected override Routed Route(ThreadStreamEvent streamEvent) => streamEvent switch
    {
        PostPublished published => new(published.Post, null),
        PostEdited edited => new(null, c => c.PostEdited(edited.Post)),
        PostRemoved removed => new(null, c => c.PostRemoved(removed.Notice)),
        PostReactionsChanged reactions => new(null, c => c.PostReactions(reactions.Reactions)),
        ThreadChanged changed => new(null, c => c.ThreadUpdated(changed.Thread)),
        _ => default,
    };

    protected override async Task OnSubscribed(ThreadKey key)
    {
        await _watchesGate.WaitAsync();
        try
        {
            if (!_watches.TryGetValue(key.CommunityId, out var watch))
            {
                _watches[key.CommunityId] = watch = new AccessWatch();
            }

            watch.Feeds++;
            await Watch(key.CommunityId, watch);
        }
        finally
        {
            _watchesGate.Release();
        }
    }

    protected override async Task OnUnsubscribed(ThreadKey key)
    {
        await _watchesGate.WaitAsync();
        try
        {
            if (_watches.TryGetValue(key.CommunityId, out var watch) && --watch.Feeds == 0)
            {
                _watches.Remove(key.CommunityId);
                if (watch.Subscription is { } subscription)
                {
                    await Quietly(key.CommunityId, subscription.UnsubscribeAsync());
                }
            }
        }
        finally
        {
            _watchesGate.Release();
        }
    }

    public override async Task OnClusterReconnected()
    {
        await _watchesGate.WaitAsync();
        try
        {
            // The subscriptions may be gone with the silo that held them: each is renewed on its feeds' next tick.
            foreach (var watch in _watches.Values)
            {
                watch.Renew = true;
            }
        }
        finally
        {
            _watchesGate.Release();
        }

        await base.OnClusterReconnected();
    }

    protected override async Task OnTick(RelayedFeed feed)
    {
        await _watchesGate.WaitAsync();
        try
        {
            if (_watches.TryGetValue(feed.Key.CommunityId, out var watch) && (watch.Subscription is null || watch.Renew))
            {
                await Watch(feed.Key.CommunityId, watch);
            }
        }
        finally
        {
            _watchesGate.Release();
        }
    }

    /// <summary>
    /// Subscribes (or renews) a community's watch, its gate held. A failure leaves the threads relaying and is retried
    /// on the next tick: until then, as with a lost announcement, a reader who lost "view" keeps listening.
    /// </summary>
    private async Task Watch(string communityId, AccessWatch watch)
    {
        if (watch.Subscription is { } old && watch.Renew)
        {
            watch.Subscription = null;
            await Quietly(communityId, old.UnsubscribeAsync());
        }

        if (watch.Subscription is null)
        {
            try
            {
                watch.Subscription = await cluster.GetStreamProvider(StreamNames.Provider)
                    .GetStream<ChannelStreamEvent>(StreamNames.ForForumAccess(communityId))
                    .SubscribeAsync((e, _) => OnAccessChanged(communityId, e));
                watch.Renew = false;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogWatchFailed(logger, ex, communityId);
            }
        }
    }

    private async Task OnAccessChanged(string communityId, ChannelStreamEvent streamEvent)
    {
        if (streamEvent is not ChannelAccessChanged change)
        {
            return;
        }

        foreach (var feed in FeedsWhere(k => k.CommunityId == communityId))
        {
            await feed.Gate.WaitAsync();
            try
            {
                if (feed.Subscription is not null)
                {
                    await DropNonViewers(feed, change.UserId, users => Grain(feed.Key).Viewers(users, change.Version),
                        c => c.ThreadAccessLost(new ThreadAccessLost(feed.Key.CommunityId, feed.Key.ThreadId)));
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogWatchFailed(logger, ex, communityId);
            }
            finally
            {
                feed.Gate.Release();
            }
        }
    }

    private async Task Quietly(string communityId, Task unsubscribing)
    {
        try
        {
            await unsubscribing;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A subscription that died with its silo has nothing left to undo.
            LogWatchFailed(logger, ex, communityId);
        }
    }

    private IThreadGrain Grain(ThreadKey key) => cluster.Thread(key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching the forum access of community {Community} failed")]
    private static partial void LogWatchFailed(ILogger logger, Exception ex, string community);

    /// <summary>This gateway's subscription to one community's forum-access stream, shared by its live threads here.</summary>
    private sealed class AccessWatch
    {
        public int Feeds { get; set; }

        public StreamSubscriptionHandle<ChannelStreamEvent>? Subscription { get; set; }

        public bool Renew { get; set; }
    }
}
