using CommunityScale.Gateway.Hosting;
using CommunityScale.Gateway.Hubs;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace CommunityScale.Gateway.Relay;

/// <summary>
/// This gateway's side of fan-out for a sequenced feed: a channel's messages, a thread's posts. Per feed with local
/// listeners it holds ONE stream subscription (reference-counted by connections) and relays each event with ONE SignalR
/// group send per shard, so an item costs O(gateways), never O(fans). It keeps the feed's last relayed seq: a gap (a
/// dropped stream event) is filled from history before the next item goes out, and an idle feed is asked for its last
/// seq now and then so a dropped final event is found too. Subclasses say where a feed's stream and history are and what
/// each event becomes for clients; this class owns ordering, gap fill, resubscription and group membership.
/// </summary>
public abstract partial class SequencedRelay<TKey, TEvent, TItem>(
    IHubContext<CommunityHub, ICommunityClient> hub,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    ILogger logger) : BackgroundService, IConnectionRelay
    where TKey : notnull
    where TItem : class
{
    private static readonly TimeSpan MaxCatchUpBackoff = TimeSpan.FromSeconds(15);

    // Gap fill and catch-up hold the feed's gate: a call lost with a restarting silo must not hold it (and every live
    // event behind it) for Orleans' 30 s response timeout. Given up on, the call is simply tried again next tick.
    private static readonly TimeSpan RepairCallTimeout = TimeSpan.FromSeconds(5);
    private readonly Dictionary<TKey, RelayedFeed> _feeds = [];
    private readonly ConnectionIndex<TKey> _connections = new();
    private readonly GatewayOptions _options = options.Value;

    protected TimeProvider Clock { get; } = clock;

    protected IHubContext<CommunityHub, ICommunityClient> Hub => hub;

    /// <summary>What a stream event asks of the relay: an item to deliver in seq order, or a send that needs no order.</summary>
    protected readonly record struct Routed(TItem? Item, Func<ICommunityClient, Task>? Send);

    /// <summary>The SignalR group name of a feed; shards append <c>#i</c>. Must not collide with another relay's.</summary>
    protected abstract string GroupOf(TKey key);

    protected abstract IAsyncStream<TEvent> StreamOf(TKey key);

    protected abstract Task<long> LastSeqOf(TKey key);

    /// <summary>Items with a seq greater than <paramref name="afterSeq"/>, in order, at most <paramref name="limit"/>.</summary>
    protected abstract Task<IReadOnlyList<TItem>> HistoryOf(TKey key, long afterSeq, int limit);

    protected abstract long SeqOf(TItem item);

    protected abstract Func<ICommunityClient, Task> SendOf(TItem item);

    protected abstract Routed Route(TEvent streamEvent);

    /// <summary>Fault tests drop chosen events here to prove that gap fill covers them.</summary>
    protected virtual bool ShouldRelay(TEvent streamEvent) => true;

    /// <summary>Metrics for one delivered item.</summary>
    protected virtual void OnDelivered(RelayedFeed feed, TItem item)
    {
    }

    /// <summary>Runs for every feed on every tick of the background loop (presence reporting).</summary>
    protected virtual Task OnTick(RelayedFeed feed) => Task.CompletedTask;

    /// <summary>Runs for every feed when the gateway stops.</summary>
    protected virtual Task OnStopping(RelayedFeed feed) => Task.CompletedTask;

    /// <summary>Handles an event that changes the feed rather than reaching its clients (under the feed's gate); true when it did.</summary>
    protected virtual Task<bool> OnControl(RelayedFeed feed, TEvent streamEvent) => Task.FromResult(false);

    /// <summary>Whether a feed without connections may be forgotten (presence keeps one until it reported zero).</summary>
    protected virtual bool CanForget(RelayedFeed feed) => true;

    /// <summary>A feed's stream subscription was just made (its gate held): the first local connection arrived.</summary>
    protected virtual Task OnSubscribed(TKey key) => Task.CompletedTask;

    /// <summary>A feed's stream subscription was just given up (its gate held): its last local connection left.</summary>
    protected virtual Task OnUnsubscribed(TKey key) => Task.CompletedTask;

    /// <summary>The feeds this gateway holds whose key matches (to act on several at once, each under its own gate).</summary>
    protected IReadOnlyList<RelayedFeed> FeedsWhere(Func<TKey, bool> match)
    {
        lock (_feeds)
        {
            return [.. _feeds.Values.Where(f => match(f.Key))];
        }
    }

    /// <summary>
    /// An access change, for a feed whose gate the caller holds: the connections it may concern (all here, or one
    /// user's) are checked in one call (<paramref name="viewers"/>, against rules at least as new as the change); those
    /// that may no longer view the feed leave its group and are told (<paramref name="lost"/>), so they receive nothing
    /// more from it. Channels and threads both drop this way.
    /// </summary>
    protected async Task DropNonViewers(
        RelayedFeed feed, string? userId, Func<IReadOnlyList<string>, Task<IReadOnlyList<string>>> viewers, Func<ICommunityClient, Task> lost)
    {
        var concerned = feed.Connections.Where(c => userId is null || c.Value == userId).ToList();
        if (concerned.Count == 0)
        {
            return;
        }

        var allowed = (await viewers([.. concerned.Select(c => c.Value).Distinct(StringComparer.Ordinal)])).ToHashSet(StringComparer.Ordinal);
        foreach (var (connectionId, _) in concerned.Where(c => !allowed.Contains(c.Value)))
        {
            await DropConnection(feed, connectionId);
            await lost(hub.Clients.Client(connectionId));
            Telemetry.GatewayMetrics.AccessDrops.Add(1);
        }
    }

    public async Task Join(string connectionId, string userId, TKey key)
    {
        RelayedFeed feed;
        lock (_feeds)
        {
            if (!_feeds.TryGetValue(key, out feed!))
            {
                _feeds[key] = feed = new RelayedFeed(key, GroupOf(key), ShardCount, hub, logger);
            }

            feed.PendingJoins++;
        }

        try
        {
            await feed.Gate.WaitAsync();
            try
            {
                if (feed.Subscription is null)
                {
                    feed.Subscription = await StreamOf(key).SubscribeAsync((e, _) => OnEvent(feed, e));
                    await OnSubscribed(key);
                    // Everything up to here is in the history a joining client reads; the relay takes over after it.
                    feed.LastRelayedSeq = await LastSeqOf(key);
                    feed.Touch(Clock.GetUtcNow(), _options.CatchUpInterval);
                }

                if (feed.Connections.TryAdd(connectionId, userId))
                {
                    await hub.Groups.AddToGroupAsync(connectionId, feed.ShardOf(connectionId).Group);
                    feed.AddUser(userId);
                    _connections.Add(connectionId, key);
                }
            }
            finally
            {
                feed.Gate.Release();
            }
        }
        finally
        {
            lock (_feeds)
            {
                feed.PendingJoins--;
            }
        }
    }

    /// <summary>
    /// The cluster connection came back (e.g. a silo restarted): subscriptions may be gone with it, so every feed is
    /// resubscribed and caught up from history on the next tick. Only marks the feeds, so it is done when it returns.
    /// </summary>
    public virtual Task OnClusterReconnected()
    {
        int count;
        lock (_feeds)
        {
            foreach (var feed in _feeds.Values)
            {
                feed.ResubscribeRequested = true;
            }

            count = _feeds.Count;
        }

        LogReconnected(logger, GetType().Name, count);
        return Task.CompletedTask;
    }

    public async Task Leave(string connectionId, TKey key)
    {
        RelayedFeed? feed;
        lock (_feeds)
        {
            _feeds.TryGetValue(key, out feed);
        }

        if (feed is null)
        {
            return;
        }

        await feed.Gate.WaitAsync();
        try
        {
            await RemoveConnection(feed, connectionId);
            await UnsubscribeIfEmpty(feed);
        }
        finally
        {
            feed.Gate.Release();
        }
    }

    /// <summary>
    /// Drops a connection from a feed whose gate the caller holds: from inside the feed's own event handler (an access
    /// change took "view" away), so the subscription, if now unused, is dropped after the handler, not within it.
    /// </summary>
    protected async Task DropConnection(RelayedFeed feed, string connectionId)
    {
        await RemoveConnection(feed, connectionId);
        if (feed.Connections.Count == 0)
        {
            _ = Task.Run(async () =>
            {
                await feed.Gate.WaitAsync();
                try
                {
                    await UnsubscribeIfEmpty(feed);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    LogRelayFailed(logger, ex, feed.Group);
                }
                finally
                {
                    feed.Gate.Release();
                }
            });
        }
    }

    private async Task RemoveConnection(RelayedFeed feed, string connectionId)
    {
        if (feed.Connections.Remove(connectionId, out var userId))
        {
            feed.RemoveUser(userId);
            _connections.Remove(connectionId, feed.Key);
            await hub.Groups.RemoveFromGroupAsync(connectionId, feed.ShardOf(connectionId).Group);
        }
    }

    private async Task UnsubscribeIfEmpty(RelayedFeed feed)
    {
        if (feed.Connections.Count == 0 && feed.Subscription is { } subscription)
        {
            feed.Subscription = null;
            await OnUnsubscribed(feed.Key);
            await subscription.UnsubscribeAsync();
        }
    }

    public async Task LeaveAll(string connectionId)
    {
        foreach (var key in _connections.RemoveAll(connectionId))
        {
            await Leave(connectionId, key);
        }
    }

    private async Task OnEvent(RelayedFeed feed, TEvent streamEvent)
    {
        if (!ShouldRelay(streamEvent))
        {
            return;
        }

        await feed.Gate.WaitAsync();
        try
        {
            if (feed.Subscription is null)
            {
                return;
            }

            feed.Touch(Clock.GetUtcNow(), _options.CatchUpInterval);
            if (await OnControl(feed, streamEvent))
            {
                return;
            }

            var routed = Route(streamEvent);
            if (routed.Item is { } item)
            {
                await Relay(feed, item);
            }
            else if (routed.Send is { } send)
            {
                feed.Broadcast(send);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRelayFailed(logger, ex, feed.Group);
        }
        finally
        {
            feed.Gate.Release();
        }
    }

    private async Task Relay(RelayedFeed feed, TItem item)
    {
        var seq = SeqOf(item);
        if (seq <= feed.LastRelayedSeq)
        {
            return;
        }

        if (seq > feed.LastRelayedSeq + 1)
        {
            // Events were lost: others may be, with no later event to show it.
            Unsettle("a feed missed events");
            await FillGap(feed, seq - 1);
        }

        Deliver(feed, item);
    }

    private void Deliver(RelayedFeed feed, TItem item)
    {
        feed.Broadcast(SendOf(item));
        feed.LastRelayedSeq = SeqOf(item);
        OnDelivered(feed, item);
    }

    private int ShardCount => _options.RelayShards > 0 ? _options.RelayShards : Math.Max(1, Environment.ProcessorCount);

    /// <summary>Relays, from history, every item after the last relayed one up to <paramref name="upToSeq"/>.</summary>
    private async Task FillGap(RelayedFeed feed, long upToSeq)
    {
        var missing = upToSeq - feed.LastRelayedSeq;
        LogFillingGap(logger, feed.Group, feed.LastRelayedSeq + 1, upToSeq);
        while (feed.LastRelayedSeq < upToSeq)
        {
            var items = await HistoryOf(feed.Key, feed.LastRelayedSeq, (int)Math.Min(Errors.InputRules.MaxPageLimit, upToSeq - feed.LastRelayedSeq))
                .WaitAsync(RepairCallTimeout);
            if (items.Count == 0)
            {
                return;
            }

            foreach (var item in items)
            {
                var seq = SeqOf(item);
                if (seq > feed.LastRelayedSeq && seq <= upToSeq)
                {
                    Deliver(feed, item);
                }
            }
        }

        GapsFilled += missing;
    }

    /// <summary>Items this gateway relayed from history because their stream event never came (for tests and metrics).</summary>
    public long GapsFilled { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.PresenceReportInterval, Clock);
        var catchUpsPerTick = (int)Math.Clamp(_options.CatchUpsPerSecond * _options.PresenceReportInterval.TotalSeconds, 1, int.MaxValue);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            RelayedFeed[] feeds;
            lock (_feeds)
            {
                feeds = [.. _feeds.Values];
            }

            var parallel = new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = stoppingToken };
            await Parallel.ForEachAsync(feeds, parallel, async (feed, _) => await OnTick(feed));

            // Feeds to resubscribe (the cluster connection came back) all go now: until then they hear nothing live. The
            // rest, checks for lost events, at most this tick's share of CatchUpsPerSecond, those waiting longest first.
            var now = Clock.GetUtcNow();
            var due = feeds.Where(f => IsCatchUpDue(f, now)).ToLookup(f => f.ResubscribeRequested);
            await Parallel.ForEachAsync(due[true].Concat(due[false].OrderBy(f => f.NextCatchUpAt).Take(catchUpsPerTick)), parallel,
                async (feed, _) => await CatchUpIfIdle(feed));

            lock (_feeds)
            {
                foreach (var feed in feeds)
                {
                    if (feed is { PendingJoins: 0, Online: 0, Subscription: null } && CanForget(feed))
                    {
                        _feeds.Remove(feed.Key);
                        feed.Complete();
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public void OnClusterChanged() => Unsettle("the cluster connections changed");

    // Only the feeds that exist now could have lost events: one subscribed later starts from the channel's last seq.
    private void Unsettle(string why)
    {
        var until = Clock.GetUtcNow() + _options.UnsettledPeriod;
        int count;
        lock (_feeds)
        {
            foreach (var feed in _feeds.Values)
            {
                feed.UnsettledUntil = until;
            }

            count = _feeds.Count;
        }

        LogUnsettled(logger, GetType().Name, why, count, _options.CatchUpInterval, _options.UnsettledPeriod);
    }

    private bool IsCatchUpDue(RelayedFeed feed, DateTimeOffset now) =>
        feed.Subscription is not null
        && (feed.ResubscribeRequested
            || (now >= feed.NextCatchUpAt && (now < feed.UnsettledUntil || now >= feed.LastActiveAt + _options.CalmCatchUpInterval)));

    private async Task CatchUpIfIdle(RelayedFeed feed)
    {
        if (!IsCatchUpDue(feed, Clock.GetUtcNow()))
        {
            return;
        }

        await feed.Gate.WaitAsync();
        try
        {
            if (feed.Subscription is null)
            {
                return;
            }

            var lastSeq = await LastSeqOf(feed.Key).WaitAsync(RepairCallTimeout);
            if (lastSeq > feed.LastRelayedSeq || feed.ResubscribeRequested)
            {
                // Items were stored that the stream never brought: the subscription may be dead, so renew it.
                await Resubscribe(feed);
                await FillGap(feed, lastSeq);
                feed.Touch(Clock.GetUtcNow(), _options.CatchUpInterval);
            }
            else
            {
                feed.BackOff(Clock.GetUtcNow(), MaxCatchUpBackoff);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRelayFailed(logger, ex, feed.Group);
        }
        finally
        {
            feed.Gate.Release();
        }
    }

    private async Task Resubscribe(RelayedFeed feed)
    {
        feed.ResubscribeRequested = false;
        if (feed.Subscription is { } old)
        {
            try
            {
                await old.UnsubscribeAsync().WaitAsync(RepairCallTimeout);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The old subscription died with its silo; nothing to undo.
                LogRelayFailed(logger, ex, feed.Group);
            }
        }

        feed.Subscription = await StreamOf(feed.Key).SubscribeAsync((e, _) => OnEvent(feed, e)).WaitAsync(RepairCallTimeout);
        Resubscriptions++;
    }

    /// <summary>Times this gateway renewed a subscription that had stopped delivering (for tests and metrics).</summary>
    public long Resubscriptions { get; private set; }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        RelayedFeed[] feeds;
        lock (_feeds)
        {
            feeds = [.. _feeds.Values];
        }

        foreach (var feed in feeds)
        {
            feed.Complete();
        }

        foreach (var feed in feeds)
        {
            try
            {
                if (feed.Subscription is { } subscription)
                {
                    feed.Subscription = null;
                    await OnUnsubscribed(feed.Key);
                    await subscription.UnsubscribeAsync();
                }

                await OnStopping(feed);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogRelayFailed(logger, ex, feed.Group);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Relay}: {Why}; its {Feeds} feeds are checked for lost events every {Interval} for {Period}")]
    private static partial void LogUnsettled(ILogger logger, string relay, string why, int feeds, TimeSpan interval, TimeSpan period);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relaying on {Feed} failed")]
    private static partial void LogRelayFailed(ILogger logger, Exception ex, string feed);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Relay}: cluster connection recovered, resubscribing {Feeds} feeds")]
    private static partial void LogReconnected(ILogger logger, string relay, int feeds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Feed}: filling gap {From}..{To} from history")]
    private static partial void LogFillingGap(ILogger logger, string feed, long from, long to);

    /// <summary>
    /// A share of a feed's connections on this gateway: one SignalR group, sent to by one FIFO queue and pump, so sends
    /// to its connections keep the relay's order while the shards of a hot feed send in parallel. Bounded: a shard that
    /// falls 10,000 sends behind drops the newest, and its clients fill the gap from history (they see the seq jump).
    /// </summary>
    protected sealed class RelayShard
    {
        private readonly System.Threading.Channels.Channel<Func<ICommunityClient, Task>> _queue =
            System.Threading.Channels.Channel.CreateBounded<Func<ICommunityClient, Task>>(new System.Threading.Channels.BoundedChannelOptions(10_000)
            {
                SingleReader = true,
                FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite,
            });

        public RelayShard(string group, IHubContext<CommunityHub, ICommunityClient> hub, ILogger logger)
        {
            Group = group;
            _ = Task.Run(async () =>
            {
                var clients = hub.Clients.Group(group);
                await foreach (var send in _queue.Reader.ReadAllAsync())
                {
                    try
                    {
                        await send(clients);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        LogRelayFailed(logger, ex, group);
                    }
                }
            });
        }

        public string Group { get; }

        public void Enqueue(Func<ICommunityClient, Task> send) => _queue.Writer.TryWrite(send);

        public void Complete() => _queue.Writer.TryComplete();
    }

    /// <summary>One feed as this gateway relays it. Mutable fields are guarded by <see cref="Gate"/> unless noted.</summary>
    protected sealed class RelayedFeed(TKey key, string group, int shards, IHubContext<CommunityHub, ICommunityClient> hub, ILogger logger)
    {
        private readonly RelayShard[] _shards = [.. Enumerable.Range(0, shards).Select(i => new RelayShard($"{group}#{i}", hub, logger))];
        private readonly Dictionary<string, int> _users = new(StringComparer.Ordinal);
        private volatile int _online;
        private TimeSpan _catchUpBackoff;

        public RelayShard ShardOf(string connectionId) => _shards[(int)((uint)StringComparer.Ordinal.GetHashCode(connectionId) % (uint)_shards.Length)];

        /// <summary>Hands one send to every shard, in the relay's order; returns without waiting for the sends.</summary>
        public void Broadcast(Func<ICommunityClient, Task> send)
        {
            foreach (var shard in _shards)
            {
                shard.Enqueue(send);
            }
        }

        public void Complete()
        {
            foreach (var shard in _shards)
            {
                shard.Complete();
            }
        }

        public TKey Key { get; } = key;

        public string Group { get; } = group;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public StreamSubscriptionHandle<TEvent>? Subscription { get; set; }

        public long LastRelayedSeq { get; set; }

        private volatile bool _resubscribeRequested;

        /// <summary>Set from the cluster-connection callback; read and cleared by the catch-up loop.</summary>
        public bool ResubscribeRequested
        {
            get => _resubscribeRequested;
            set => _resubscribeRequested = value;
        }

        public Dictionary<string, string> Connections { get; } = new(StringComparer.Ordinal);

        /// <summary>Distinct users online here; read without the gate by the presence reporter.</summary>
        public int Online => _online;

        /// <summary>Guarded by the relay's feed lock.</summary>
        public int PendingJoins { get; set; }

        /// <summary>Owned by the presence loop.</summary>
        public int ReportedOnline { get; set; }

        public DateTimeOffset ReportedAt { get; set; }

        public DateTimeOffset NextCatchUpAt { get; private set; }

        public void AddUser(string userId)
        {
            _users[userId] = _users.GetValueOrDefault(userId) + 1;
            _online = _users.Count;
        }

        public void RemoveUser(string userId)
        {
            if (_users.TryGetValue(userId, out var count) && count > 1)
            {
                _users[userId] = count - 1;
            }
            else
            {
                _users.Remove(userId);
            }

            _online = _users.Count;
        }

        /// <summary>Until then the feed is checked every CatchUpInterval when quiet (events may have been lost), afterwards every CalmCatchUpInterval.</summary>
        public DateTimeOffset UnsettledUntil { get; set; }

        /// <summary>When the feed last had an event or was checked.</summary>
        public DateTimeOffset LastActiveAt { get; private set; }

        public void Touch(DateTimeOffset now, TimeSpan interval)
        {
            LastActiveAt = now;
            _catchUpBackoff = interval;
            NextCatchUpAt = now + interval;
        }

        public void BackOff(DateTimeOffset now, TimeSpan max)
        {
            LastActiveAt = now;
            _catchUpBackoff = TimeSpan.FromTicks(Math.Min(_catchUpBackoff.Ticks * 2, max.Ticks));
            NextCatchUpAt = now + _catchUpBackoff;
        }
    }
}
