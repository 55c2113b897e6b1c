using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace CommunityScale.Bench.Bare;

/// <summary>Per-channel counters: the only state the baseline keeps.</summary>
public sealed class Sequences
{
    private readonly ConcurrentDictionary<string, StrongBox> _seqs = new(StringComparer.Ordinal);

    public long Next(string group) => Interlocked.Increment(ref _seqs.GetOrAdd(group, _ => new StrongBox()).Value);

    private sealed class StrongBox
    {
        public long Value;
    }
}

public sealed record BareMessage(string CommunityId, string ChannelId, long Seq, string MessageId, string AuthorId, string AuthorName, string Text, DateTimeOffset SentAt, string ClientMessageId, bool Removed);

public sealed record BareJoin(long LastSeq, IReadOnlyList<BareMessage> Messages, bool HasMore);

public sealed record BareAck(long Seq, string MessageId, bool Held);

/// <summary>Join a group, broadcast to it: one group send per message, like the gateway's relay, minus everything else.</summary>
public sealed class BareHub(Sequences sequences) : Hub
{
    public async Task<BareJoin> JoinChannel(string communityId, string channelId, long? afterSeq)
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, $"{communityId}/{channelId}");
        return new BareJoin(0, [], false);
    }

    public async Task<BareAck> SendMessage(string communityId, string channelId, string text, string clientMessageId)
    {
        var group = $"{communityId}/{channelId}";
        var message = new BareMessage(communityId, channelId, sequences.Next(group), Guid.NewGuid().ToString("n"), Context.ConnectionId, "bench",
            text, DateTimeOffset.UtcNow, clientMessageId, false);
        await Clients.Group(group).SendAsync("ChannelMessage", message);
        return new BareAck(message.Seq, message.MessageId, false);
    }
}
