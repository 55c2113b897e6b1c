using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace CommunityScale.Bench.Naive;

public sealed record NaiveJoin(long LastSeq, IReadOnlyList<NaiveMessage> Messages, bool HasMore);

/// <summary>Delivers the grain's call for one connection to that connection: one SignalR send per member per message.</summary>
internal sealed class ConnectionObserver(IHubContext<NaiveHub> hub, string connectionId) : IConnectionObserver
{
    public Task OnMessage(NaiveMessage message) => hub.Clients.Client(connectionId).SendAsync("ChannelMessage", message);
}

/// <summary>
/// The observers of this gateway's connections. Orleans holds observer objects weakly, so the gateway must keep them
/// alive for as long as the connection is in the channel.
/// </summary>
public sealed class Observers
{
    public ConcurrentDictionary<string, ConcurrentDictionary<string, (INaiveChannelGrain Channel, IConnectionObserver Reference, object Target)>> ByConnection { get; } =
        new(StringComparer.Ordinal);
}

/// <summary>The same hub methods and event as the gateway's /hubs/community, so the load generator drives it alike.</summary>
public sealed class NaiveHub(IGrainFactory grains, IHubContext<NaiveHub> context, Observers observers) : Hub
{
    public async Task<NaiveJoin> JoinChannel(string communityId, string channelId, long? afterSeq)
    {
        var key = $"{communityId}/{channelId}";
        var channel = grains.GetGrain<INaiveChannelGrain>(key);
        var target = new ConnectionObserver(context, Context.ConnectionId);
        var reference = grains.CreateObjectReference<IConnectionObserver>(target);
        if (observers.ByConnection.GetOrAdd(Context.ConnectionId, _ => new(StringComparer.Ordinal)).TryAdd(key, (channel, reference, target)))
        {
            await channel.Join(reference);
        }
        else
        {
            grains.DeleteObjectReference<IConnectionObserver>(reference);
        }

        return new NaiveJoin(0, [], false);
    }

    public async Task<NaiveAck> SendMessage(string communityId, string channelId, string text, string clientMessageId) =>
        await grains.GetGrain<INaiveChannelGrain>($"{communityId}/{channelId}").Send(Context.ConnectionId, text, clientMessageId);

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        try
        {
            if (observers.ByConnection.TryRemove(Context.ConnectionId, out var channels))
            {
                foreach (var joined in channels.Values)
                {
                    try
                    {
                        await joined.Channel.Leave(joined.Reference);
                    }
                    finally
                    {
                        grains.DeleteObjectReference<IConnectionObserver>(joined.Reference);
                    }
                }
            }
        }
        finally
        {
            await base.OnDisconnectedAsync(exception);
        }
    }
}
