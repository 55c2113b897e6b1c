using System.Collections.Concurrent;
using CommunityScale.Chat;
using CommunityScale.Gateway.Hosting;
using CommunityScale.Gateway.Hubs;
using CommunityScale.Gateway.Telemetry;
using CommunityScale.Streams;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace CommunityScale.Gateway.Relay;

/// <summary>
/// This gateway's side of fan-out. Per channel with local listeners it holds ONE stream subscription (reference-counted
/// by connections) and relays each event with ONE SignalR group send, so a message costs O(gateways), never O(fans).
/// It keeps the channel's last relayed seq: a gap (a dropped stream event) is filled from history before the next
/// message goes out, and an idle channel is asked for its last seq now and then so a dropped final event is found too.
/// It also aggregates presence: one report per changed channel per interval, never one grain call per connection.
/// </summary>
public sealed partial class ChannelRelay(
    IClusterClient cluster,
    IHubContext<CommunityHub, ICommunityClient> hub,
    IChannelEventFilter filter,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    ILogger<ChannelRelay> logger) : BackgroundService
{
    private static readonly TimeSpan MaxCatchUpBackoff = TimeSpan.FromSeconds(15);

    // Gap fill and catch-up hold the channel's gate: a call lost with a restarting silo must not hold it (and every
    // live event behind it) for Orleans' 30 s response timeout. Given up on, the call is simply tried again next tick.
    private static readonly TimeSpan RepairCallTimeout = TimeSpan.FromSeconds(5);
    private readonly Dictionary<ChannelKey, RelayedChannel> _channels = [];
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<ChannelKey, byte>> _connections = new(StringComparer.Ordinal);
    private readonly GatewayOptions _options = options.Value;

    /// <summary>Identifies this gateway process to presence grains.</summary>
    public string GatewayId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():n}";

    public async Task Join(string connectionId, string userId, ChannelKey key)
    {
        RelayedChannel channel;
        lock (_channels)
        {
            if (!_channels.TryGetValue(key, out channel!))
            {
                _channels[key] = channel = new RelayedChannel(key, ShardCount, hub, logger);
            }

            channel.PendingJoins++;
        }

        try
        {
            await channel.Gate.WaitAsync();
            try
            {
                if (channel.Subscription is null)
                {
                    channel.Subscription = await Stream(key).SubscribeAsync((e, _) => OnEvent(channel, e));
                    // Everything up to here is in the history a joining client reads; the relay takes over after it.
                    channel.LastRelayedSeq = await Grain(key).GetLastSeq();
                    channel.Touch(clock.GetUtcNow(), _options.CatchUpInterval);
                }

                if (channel.Connections.TryAdd(connectionId, userId))
                {
                    await hub.Groups.AddToGroupAsync(connectionId, channel.ShardOf(connectionId).Group);
                    channel.AddUser(userId);
                    _connections.GetOrAdd(connectionId, _ => new()).TryAdd(key, 0);
                }
            }
            finally
            {
                channel.Gate.Release();
            }
        }
        finally
        {
            lock (_channels)
            {
                channel.PendingJoins--;
            }
        }
    }

    /// <summary>
    /// The cluster connection came back (e.g. a silo restarted): subscriptions may be gone with it, so every channel is
    /// resubscribed and caught up from history on the next tick.
    /// </summary>
    public void OnClusterConnectionRecovered()
    {
        lock (_channels)
        {
            foreach (var channel in _channels.Values)
            {
                channel.ResubscribeRequested = true;
            }
        }

        LogReconnected(logger, _channels.Count);
    }

    public async Task Leave(string connectionId, ChannelKey key)
    {
        RelayedChannel? channel;
        lock (_channels)
        {
            _channels.TryGetValue(key, out channel);
        }

        if (channel is null)
        {
            return;
        }

        await channel.Gate.WaitAsync();
        try
        {
            if (channel.Connections.Remove(connectionId, out var userId))
            {
                channel.RemoveUser(userId);
                if (_connections.TryGetValue(connectionId, out var keys))
                {
                    keys.TryRemove(key, out _);
                }

                await hub.Groups.RemoveFromGroupAsync(connectionId, channel.ShardOf(connectionId).Group);
            }

            if (channel.Connections.Count == 0 && channel.Subscription is { } subscription)
            {
                channel.Subscription = null;
                await subscription.UnsubscribeAsync();
            }
        }
        finally
        {
            channel.Gate.Release();
        }
    }

    public async Task LeaveAll(string connectionId)
    {
        if (_connections.TryRemove(connectionId, out var keys))
        {
            foreach (var key in keys.Keys)
            {
                await Leave(connectionId, key);
            }
        }
    }

    private async Task OnEvent(RelayedChannel channel, ChannelStreamEvent streamEvent)
    {
        if (!filter.ShouldRelay(streamEvent))
        {
            return;
        }

        await channel.Gate.WaitAsync();
        try
        {
            if (channel.Subscription is null)
            {
                return;
            }

            channel.Touch(clock.GetUtcNow(), _options.CatchUpInterval);
            switch (streamEvent)
            {
                case MessagePosted posted:
                    await Relay(channel, posted.Message);
                    break;
                case PresenceChanged presence:
                    channel.Broadcast(c => c.Presence(presence));
                    break;
                case MessageRemoved removed:
                    channel.Broadcast(c => c.MessageRemoved(removed.Notice));
                    break;
                case MessageRestored restored:
                    channel.Broadcast(c => c.MessageRestored(restored.Message));
                    break;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRelayFailed(logger, ex, channel.Group);
        }
        finally
        {
            channel.Gate.Release();
        }
    }

    private async Task Relay(RelayedChannel channel, ChatMessage message)
    {
        if (message.Seq <= channel.LastRelayedSeq)
        {
            return;
        }

        if (message.Seq > channel.LastRelayedSeq + 1)
        {
            await FillGap(channel, message.Seq - 1);
        }

        Deliver(channel, message);
    }

    private void Deliver(RelayedChannel channel, ChatMessage message)
    {
        channel.Broadcast(c => c.ChannelMessage(message));
        channel.LastRelayedSeq = message.Seq;
        GatewayMetrics.GroupSends.Add(1);
        GatewayMetrics.Deliveries.Add(channel.Connections.Count);
        GatewayMetrics.RelayLag.Record((clock.GetUtcNow() - message.SentAt).TotalMilliseconds);
    }

    private int ShardCount => _options.RelayShards > 0 ? _options.RelayShards : Math.Max(1, Environment.ProcessorCount);

    /// <summary>Relays, from history, every message after the last relayed one up to <paramref name="upToSeq"/>.</summary>
    private async Task FillGap(RelayedChannel channel, long upToSeq)
    {
        var missing = upToSeq - channel.LastRelayedSeq;
        LogFillingGap(logger, channel.Group, channel.LastRelayedSeq + 1, upToSeq);
        while (channel.LastRelayedSeq < upToSeq)
        {
            var page = await Grain(channel.Key).GetHistory(channel.LastRelayedSeq, (int)Math.Min(Errors.InputRules.MaxPageLimit, upToSeq - channel.LastRelayedSeq))
                .WaitAsync(RepairCallTimeout);
            if (page.Messages.Count == 0)
            {
                return;
            }

            foreach (var message in page.Messages)
            {
                if (message.Seq > channel.LastRelayedSeq && message.Seq <= upToSeq)
                {
                    Deliver(channel, message);
                }
            }
        }

        GapsFilled += missing;
    }

    /// <summary>Messages this gateway relayed from history because their stream event never came (for tests and metrics).</summary>
    public long GapsFilled { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.PresenceReportInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            RelayedChannel[] channels;
            lock (_channels)
            {
                channels = [.. _channels.Values];
            }

            await Parallel.ForEachAsync(channels, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = stoppingToken }, async (channel, _) =>
            {
                await ReportPresence(channel);
                await CatchUpIfIdle(channel);
            });

            lock (_channels)
            {
                foreach (var channel in channels)
                {
                    if (channel is { PendingJoins: 0, Online: 0, ReportedOnline: 0, Subscription: null })
                    {
                        _channels.Remove(channel.Key);
                        channel.Complete();
                    }
                }
            }
        }
    }

    private async Task ReportPresence(RelayedChannel channel)
    {
        var online = channel.Online;
        var now = clock.GetUtcNow();
        if (online == channel.ReportedOnline && (online == 0 || now - channel.ReportedAt < _options.PresenceRefreshInterval))
        {
            return;
        }

        try
        {
            await cluster.GetGrain<IChannelPresenceGrain>(channel.Key.ToString()).Report(GatewayId, online);
            channel.ReportedOnline = online;
            channel.ReportedAt = now;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPresenceFailed(logger, ex, channel.Group);
        }
    }

    private async Task CatchUpIfIdle(RelayedChannel channel)
    {
        if (channel.Subscription is null || (clock.GetUtcNow() < channel.NextCatchUpAt && !channel.ResubscribeRequested))
        {
            return;
        }

        await channel.Gate.WaitAsync();
        try
        {
            if (channel.Subscription is null)
            {
                return;
            }

            var lastSeq = await Grain(channel.Key).GetLastSeq().WaitAsync(RepairCallTimeout);
            if (lastSeq > channel.LastRelayedSeq || channel.ResubscribeRequested)
            {
                // Messages were stored that the stream never brought: the subscription may be dead, so renew it.
                await Resubscribe(channel);
                await FillGap(channel, lastSeq);
                channel.Touch(clock.GetUtcNow(), _options.CatchUpInterval);
            }
            else
            {
                channel.BackOff(clock.GetUtcNow(), MaxCatchUpBackoff);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRelayFailed(logger, ex, channel.Group);
        }
        finally
        {
            channel.Gate.Release();
        }
    }

    private async Task Resubscribe(RelayedChannel channel)
    {
        channel.ResubscribeRequested = false;
        if (channel.Subscription is { } old)
        {
            try
            {
                await old.UnsubscribeAsync().WaitAsync(RepairCallTimeout);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The old subscription died with its silo; nothing to undo.
                LogRelayFailed(logger, ex, channel.Group);
            }
        }

        channel.Subscription = await Stream(channel.Key).SubscribeAsync((e, _) => OnEvent(channel, e)).WaitAsync(RepairCallTimeout);
        Resubscriptions++;
    }

    /// <summary>Times this gateway renewed a channel subscription that had stopped delivering (for tests and metrics).</summary>
    public long Resubscriptions { get; private set; }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        RelayedChannel[] channels;
        lock (_channels)
        {
            channels = [.. _channels.Values];
        }

        foreach (var channel in channels)
        {
            channel.Complete();
        }

        foreach (var channel in channels)
        {
            try
            {
                if (channel.Subscription is { } subscription)
                {
                    channel.Subscription = null;
                    await subscription.UnsubscribeAsync();
                }

                if (channel.ReportedOnline > 0)
                {
                    await cluster.GetGrain<IChannelPresenceGrain>(channel.Key.ToString()).Report(GatewayId, 0);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogRelayFailed(logger, ex, channel.Group);
            }
        }
    }

    private IAsyncStream<ChannelStreamEvent> Stream(ChannelKey key) =>
        cluster.GetStreamProvider(StreamNames.Provider).GetStream<ChannelStreamEvent>(StreamNames.ForChannel(key));

    private IChannelGrain Grain(ChannelKey key) => cluster.GetGrain<IChannelGrain>(key.ToString());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relaying on channel {Channel} failed")]
    private static partial void LogRelayFailed(ILogger logger, Exception ex, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reporting presence of channel {Channel} failed")]
    private static partial void LogPresenceFailed(ILogger logger, Exception ex, string channel);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster connection recovered: resubscribing {Channels} channels")]
    private static partial void LogReconnected(ILogger logger, int channels);

    [LoggerMessage(Level = LogLevel.Information, Message = "Channel {Channel}: filling gap {From}..{To} from history")]
    private static partial void LogFillingGap(ILogger logger, string channel, long from, long to);

    /// <summary>
    /// A share of a channel's connections on this gateway: one SignalR group, sent to by one FIFO queue and pump, so sends
    /// to its connections keep the relay's order while the shards of a hot channel send in parallel. Bounded: a shard
    /// that falls 10,000 sends behind drops the newest, and its clients fill the gap from history (they see the seq jump).
    /// </summary>
    private sealed class RelayShard
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

    /// <summary>One channel as this gateway relays it. Mutable fields are guarded by <see cref="Gate"/> unless noted.</summary>
    private sealed class RelayedChannel(ChannelKey key, int shards, IHubContext<CommunityHub, ICommunityClient> hub, ILogger logger)
    {
        private readonly RelayShard[] _shards = [.. Enumerable.Range(0, shards).Select(i => new RelayShard($"{key}#{i}", hub, logger))];

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

        private readonly Dictionary<string, int> _users = new(StringComparer.Ordinal);
        private volatile int _online;

        public ChannelKey Key { get; } = key;

        public string Group { get; } = key.ToString();

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public StreamSubscriptionHandle<ChannelStreamEvent>? Subscription { get; set; }

        public long LastRelayedSeq { get; set; }

        /// <summary>Set from the cluster-connection callback; read and cleared by the catch-up loop.</summary>
        public volatile bool ResubscribeRequested;

        public Dictionary<string, string> Connections { get; } = new(StringComparer.Ordinal);

        /// <summary>Distinct users online here; read without the gate by the presence reporter.</summary>
        public int Online => _online;

        /// <summary>Guarded by the relay's channel lock.</summary>
        public int PendingJoins { get; set; }

        /// <summary>Owned by the presence loop.</summary>
        public int ReportedOnline { get; set; }

        public DateTimeOffset ReportedAt { get; set; }

        public DateTimeOffset NextCatchUpAt { get; private set; }

        private TimeSpan _catchUpBackoff;

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

        public void Touch(DateTimeOffset now, TimeSpan interval)
        {
            _catchUpBackoff = interval;
            NextCatchUpAt = now + interval;
        }

        public void BackOff(DateTimeOffset now, TimeSpan max)
        {
            _catchUpBackoff = TimeSpan.FromTicks(Math.Min(_catchUpBackoff.Ticks * 2, max.Ticks));
            NextCatchUpAt = now + _catchUpBackoff;
        }
    }
}
