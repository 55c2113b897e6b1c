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
/// Channels' fan-out (see <see cref="SequencedRelay{TKey, TEvent, TItem}"/>): messages in seq order with gap fill from
/// the channel's history; removals, restores and presence as they come. It also aggregates presence: one report per
/// changed channel per interval, never one grain call per connection.
/// </summary>
public sealed partial class ChannelRelay(
    IClusterClient cluster,
    IHubContext<CommunityHub, ICommunityClient> hub,
    IChannelEventFilter filter,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    ILogger<ChannelRelay> logger) : SequencedRelay<ChannelKey, ChannelStreamEvent, ChatMessage>(hub, options, clock, logger)
{
    private readonly GatewayOptions _options = options.Value;

    /// <summary>Identifies this gateway process to presence grains.</summary>
    public string GatewayId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():n}";

    protected override string GroupOf(ChannelKey key) => key.ToString();

    protected override IAsyncStream<ChannelStreamEvent> StreamOf(ChannelKey key) =>
        cluster.GetStreamProvider(StreamNames.Provider).GetStream<ChannelStreamEvent>(StreamNames.ForChannel(key));

    protected override Task<long> LastSeqOf(ChannelKey key) => Grain(key).GetLastSeq();

    protected override async Task<IReadOnlyList<ChatMessage>> HistoryOf(ChannelKey key, long afterSeq, int limit) =>
        (await Grain(key).GetHistory(afterSeq, limit)).Messages;

    protected override long SeqOf(ChatMessage item) => item.Seq;

    protected override Func<ICommunityClient, Task> SendOf(ChatMessage item) => c => c.ChannelMessage(item);

    protected override bool ShouldRelay(ChannelStreamEvent streamEvent) => filter.ShouldRelay(streamEvent);

    protected override Routed Route(ChannelStreamEvent streamEvent) => streamEvent switch
    {
        MessagePosted posted => new(posted.Message, null),
        PresenceChanged presence => new(null, c => c.Presence(presence)),
        MessageRemoved removed => new(null, c => c.MessageRemoved(removed.Notice)),
        MessageRestored restored => new(null, c => c.MessageRestored(restored.Message)),
        MessageEdited edited => new(null, c => c.MessageEdited(edited.Message)),
        MessageReactionsChanged reactions => new(null, c => c.MessageReactions(reactions.Reactions)),
        _ => default,
    };

    /// <summary>An access change: those of the channel's connections here that may no longer view it are dropped.</summary>
    protected override async Task<bool> OnControl(RelayedFeed feed, ChannelStreamEvent streamEvent)
    {
        if (streamEvent is not ChannelAccessChanged change)
        {
            return false;
        }

        await DropNonViewers(feed, change.UserId, users => Grain(feed.Key).Viewers(users, change.Version),
            c => c.ChannelAccessLost(new ChannelAccessLost(feed.Key.CommunityId, feed.Key.ChannelId)));
        return true;
    }

    protected override void OnDelivered(RelayedFeed feed, ChatMessage item)
    {
        GatewayMetrics.GroupSends.Add(1);
        GatewayMetrics.Deliveries.Add(feed.Connections.Count);
        GatewayMetrics.RelayLag.Record((Clock.GetUtcNow() - item.SentAt).TotalMilliseconds);
    }

    protected override async Task OnTick(RelayedFeed feed)
    {
        var online = feed.Online;
        var now = Clock.GetUtcNow();
        // Unchanged counts go again only rarely: that this gateway is alive, presence grains hear from GatewayHeartbeat.
        if (online == feed.ReportedOnline && (online == 0 || now - feed.ReportedAt < _options.PresenceResendInterval))
        {
            return;
        }

        try
        {
            await cluster.ChannelPresence(feed.Key).Report(GatewayId, online);
            feed.ReportedOnline = online;
            feed.ReportedAt = now;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPresenceFailed(logger, ex, feed.Group);
        }
    }

    // A channel is kept until its presence grain has heard that nobody is here any more.
    protected override bool CanForget(RelayedFeed feed) => feed.ReportedOnline == 0;

    protected override async Task OnStopping(RelayedFeed feed)
    {
        if (feed.ReportedOnline > 0)
        {
            await cluster.ChannelPresence(feed.Key).Report(GatewayId, 0);
        }
    }

    private IChannelGrain Grain(ChannelKey key) => cluster.Channel(key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reporting presence of channel {Channel} failed")]
    private static partial void LogPresenceFailed(ILogger logger, Exception ex, string channel);
}
