using CommunityScale.Chat;
using CommunityScale.Errors;
using CommunityScale.Gateway.Auth;
using CommunityScale.Gateway.Hosting;
using CommunityScale.Gateway.Relay;
using CommunityScale.Gateway.Telemetry;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace CommunityScale.Gateway.Hubs;

/// <summary>
/// The live hub. Thin on purpose: it checks input, asks the channel grain, and leaves fan-out to the
/// <see cref="ChannelRelay"/>, which holds one stream subscription per channel for all of this gateway's connections.
/// </summary>
[Authorize]
public sealed class CommunityHub(IClusterClient cluster, ChannelRelay relay, IOptions<GatewayOptions> options) : Hub<ICommunityClient>
{
    /// <summary>Starts live delivery, then returns what the client missed: messages after <paramref name="afterSeq"/>, or the recent tail.</summary>
    public async Task<JoinChannelResult> JoinChannel(string communityId, string channelId, long? afterSeq)
    {
        var key = Key(communityId, channelId);
        var after = InputRules.RequireAfterSeq(afterSeq);
        var channel = cluster.GetGrain<IChannelGrain>(key.ToString());
        await channel.GetInfo();
        // Listening starts before history is read, so every message is either in the history or delivered live (or both: clients drop seq they have).
        await relay.Join(Context.ConnectionId, Context.User!.ToActor().UserId, key);
        var page = afterSeq is null
            ? await channel.GetRecent(options.Value.RecentOnJoin)
            : await channel.GetHistory(after, options.Value.JoinBacklogLimit);
        return new JoinChannelResult(page.LastSeq, page.Messages, page.HasMore);
    }

    public Task LeaveChannel(string communityId, string channelId) => relay.Leave(Context.ConnectionId, Key(communityId, channelId));

    /// <summary>Acknowledged with the message's seq only once it is durably stored; retry with the same clientMessageId.</summary>
    public async Task<SendAck> SendMessage(string communityId, string channelId, string text, string clientMessageId)
    {
        var actor = Context.User!.ToActor();
        var ack = await cluster.GetGrain<IChannelGrain>(Key(communityId, channelId).ToString())
            .Send(new SendMessageCommand(actor.UserId, actor.DisplayName, text, InputRules.RequireClientMessageId(clientMessageId)));
        GatewayMetrics.SendsAccepted.Add(1);
        return ack;
    }

    public override Task OnConnectedAsync()
    {
        GatewayMetrics.Connections.Add(1);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        GatewayMetrics.Connections.Add(-1);
        return relay.LeaveAll(Context.ConnectionId);
    }

    private static ChannelKey Key(string communityId, string channelId) =>
        new(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(channelId, "channel id"));
}
