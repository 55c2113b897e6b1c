using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gateway.Auth;
using CommunityScale.Gateway.Hosting;
using CommunityScale.Gateway.Relay;
using CommunityScale.Gateway.Telemetry;
using CommunityScale.Notifications;
using CommunityScale.Posting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace CommunityScale.Gateway.Hubs;

/// <summary>
/// The live hub. Thin on purpose: it checks input, asks the channel grain, and leaves fan-out to the relays (the
/// <see cref="ChannelRelay"/> holds one stream subscription per channel for all of this gateway's connections). It names
/// a relay only to join or leave its feeds; a closed connection leaves every registered <see cref="IConnectionRelay"/>.
/// </summary>
[Authorize]
public sealed class CommunityHub(
    IClusterClient cluster, ChannelRelay relay, ThreadRelay threads, MemberRelay members, ModerationRelay moderation, SessionRelay sessions,
    KpiRelay kpis, IEnumerable<IConnectionRelay> allRelays, SiloConnections siloConnections, IOptions<GatewayOptions> options) : Hub<ICommunityClient>
{
    /// <summary>Starts live delivery, then returns what the client missed: messages after <paramref name="afterSeq"/>, or the recent tail.</summary>
    public async Task<JoinChannelResult> JoinChannel(string communityId, string channelId, long? afterSeq)
    {
        var key = Key(communityId, channelId);
        var after = InputRules.RequireAfterSeq(afterSeq);
        var channel = cluster.Channel(key);
        var userId = Context.User!.ToActor().UserId;
        if (!(await channel.PermissionsOf(userId)).HasFlag(Access.Permissions.View))
        {
            throw CommunityException.NotFound($"Channel '{key}'");
        }

        // Listening starts before history is read, so every message is either in the history or delivered live (or both: clients drop seq they have).
        await relay.Join(Context.ConnectionId, userId, key);
        try
        {
            // Reading checks "view" again: one taken away in between is not missed by the connection just added.
            var page = await channel.ReadAs(userId, afterSeq is null ? null : after, afterSeq is null ? options.Value.RecentOnJoin : options.Value.JoinBacklogLimit);
            return new JoinChannelResult(page.LastSeq, page.Messages, page.HasMore);
        }
        catch (CommunityException)
        {
            await relay.Leave(Context.ConnectionId, key);
            throw;
        }
    }

    /// <summary>
    /// Starts live delivery of a thread's posts and changes, then returns posts after <paramref name="afterSeq"/> (from the
    /// start when null): as with channels, every post is in the page or delivered live, and clients drop seqs they have.
    /// </summary>
    public async Task<JoinThreadResult> JoinThread(string communityId, string threadId, long? afterSeq)
    {
        var key = new Threads.ThreadKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(threadId, "thread id"));
        var after = InputRules.RequireAfterSeq(afterSeq);
        var thread = cluster.GetGrain<Threads.IThreadGrain>(key.ToString());
        var userId = Context.User!.ToActor().UserId;
        if (!(await thread.PermissionsOf(userId)).HasFlag(Access.Permissions.View))
        {
            throw CommunityException.NotFound($"Thread '{key.ThreadId}'");
        }

        await threads.Join(Context.ConnectionId, userId, key);
        try
        {
            // Reading checks "view" again, as for channels: one taken away in between is not missed.
            var page = await thread.ReadAs(userId, after, options.Value.JoinBacklogLimit);
            return new JoinThreadResult(page.Thread, page.LastSeq, page.Posts, page.HasMore, await thread.IsFollowing(userId));
        }
        catch (CommunityException)
        {
            await threads.Leave(Context.ConnectionId, key);
            throw;
        }
    }

    public Task LeaveThread(string communityId, string threadId) =>
        threads.Leave(Context.ConnectionId, new Threads.ThreadKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(threadId, "thread id")));

    /// <summary>Starts a session's live Q&amp;A (<c>QuestionAsked</c>, <c>QuestionUpdated</c>) and returns the board as it is now.</summary>
    public async Task<IReadOnlyList<Events.Question>> WatchSession(string communityId, string eventId, string sessionId)
    {
        var key = Api.EventEndpoints.SessionKey(communityId, eventId, sessionId);
        await Api.CommunityGate.Require(cluster, communityId, Context.User!.ToActor().UserId, Api.CommunityGateMode.Content);
        await cluster.GetGrain<Events.IEventGrain>($"{communityId}/{eventId}").RequireSession(sessionId);

        await sessions.Join(Context.ConnectionId, key);
        return await cluster.GetGrain<Events.IQuestionBoardGrain>(key).List(Context.User!.ToActor());
    }

    /// <summary>Members with view_kpis (admins and the owner by default) only: starts <c>KpiUpdated</c> events for the community's dashboard.</summary>
    public async Task WatchKpis(string communityId)
    {
        var id = InputRules.RequireId(communityId, "community id");
        var reader = await Api.CommunityGate.Require(cluster, id, Context.User!.ToActor().UserId, Api.CommunityGateMode.Exists);
        if (!reader.Member)
        {
            throw new CommunityException(ErrorCodes.NotMember, $"Join community '{id}' first.");
        }

        if (!reader.Permissions.HasFlag(Access.Permissions.ViewKpis))
        {
            throw new CommunityException(ErrorCodes.Forbidden, "Watching KPIs needs the view_kpis permission (admins and the owner hold it by default).");
        }

        await kpis.Join(Context.ConnectionId, id);
    }

    public Task UnwatchKpis(string communityId) => kpis.Leave(Context.ConnectionId, InputRules.RequireId(communityId, "community id"));

    public Task UnwatchSession(string communityId, string eventId, string sessionId) =>
        sessions.Leave(Context.ConnectionId, Api.EventEndpoints.SessionKey(communityId, eventId, sessionId));

    public Task LeaveChannel(string communityId, string channelId) => relay.Leave(Context.ConnectionId, Key(communityId, channelId));

    /// <summary>Acknowledged with the message's seq only once it is durably stored; retry with the same clientMessageId.</summary>
    public Task<SendAck> SendMessage(string communityId, string channelId, string text, string clientMessageId) =>
        SendMessageWithAttachments(communityId, channelId, text, clientMessageId, null);

    /// <summary>Like <see cref="SendMessage"/>, with files uploaded before (<c>POST /api/communities/{c}/attachments</c>), at most 10.</summary>
    public async Task<SendAck> SendMessageWithAttachments(string communityId, string channelId, string text, string clientMessageId, string[]? attachmentIds)
    {
        var actor = Context.User!.ToActor();
        var channel = cluster.Channel(Key(communityId, channelId));
        var command = new SendMessageCommand(actor.UserId, actor.DisplayName, text, InputRules.RequireClientMessageId(clientMessageId), attachmentIds);
        var ack = await siloConnections.RetryIfConnectionCloses(() => channel.Send(command));
        GatewayMetrics.SendsAccepted.Add(1);
        return ack;
    }

    /// <summary>The author edits their message; moderation's content rules apply to the new text.</summary>
    public Task<ChatMessage> EditMessage(string communityId, string channelId, long seq, string text) =>
        cluster.Channel(Key(communityId, channelId)).EditMessage(seq, text, Context.User!.ToActor());

    /// <summary>The author removes their own message, or a moderator removes any (with a reason, audited).</summary>
    public Task<MessageRemovedNotice> RemoveMessage(string communityId, string channelId, long seq, string? reason) =>
        cluster.Channel(Key(communityId, channelId)).RemoveMessage(seq, Api.MemberModerationEndpoints.Reason(reason), Context.User!.ToActor(), authorMayRemove: true);

    /// <summary>Adds (<paramref name="on"/> true) or takes back a reaction from the community's set.</summary>
    public Task<MessageReactionCounts> React(string communityId, string channelId, long seq, string emoji, bool on) =>
        cluster.Channel(Key(communityId, channelId)).React(seq, emoji, on, Context.User!.ToActor());

    /// <summary>
    /// Starts this connection's personal notices (<c>Notification</c>) and, for moderators and up, the community's review
    /// queue changes (<c>ModerationEvent</c>). Returns the caller's role and unread count, so a client can fetch what it missed.
    /// </summary>
    public async Task<CommunityWatch> WatchCommunity(string communityId)
    {
        var community = InputRules.RequireId(communityId, "community id");
        var actor = Context.User!.ToActor();
        var reader = await Api.CommunityGate.Require(cluster, community, actor.UserId, Api.CommunityGateMode.Exists);
        var member = await cluster.Member(community, actor.UserId).Get()
            ?? throw new CommunityException(ErrorCodes.NotMember, $"Join community '{community}' first.");
        await members.Join(Context.ConnectionId, await cluster.GetGrain<IUserAccountGrain>(actor.UserId).GetStreamKey());
        var moderator = (reader.Permissions & (Access.Permissions.Moderate | Access.Permissions.ManageMessages)) != Access.Permissions.None;
        if (moderator)
        {
            await moderation.Join(Context.ConnectionId, community);
        }

        var inbox = await cluster.GetGrain<INotificationInboxGrain>(actor.UserId).List(null, 1);
        return new CommunityWatch(member.Role, inbox.Unread, moderator);
    }

    public Task UnwatchCommunity(string communityId) => moderation.Leave(Context.ConnectionId, InputRules.RequireId(communityId, "community id"));

    public override Task OnConnectedAsync()
    {
        GatewayMetrics.Connections.Add(1);
        return Task.CompletedTask;
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        GatewayMetrics.Connections.Add(-1);
        foreach (var each in allRelays)
        {
            await each.LeaveAll(Context.ConnectionId);
        }
    }

    private static ChannelKey Key(string communityId, string channelId) =>
        new(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(channelId, "channel id"));
}
