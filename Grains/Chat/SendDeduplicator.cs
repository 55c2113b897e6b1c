using CommunityScale.Posting;

namespace CommunityScale.Chat;

/// <summary>
/// Remembers the acks of the last <c>capacity</c> sends by (author, clientMessageId), oldest forgotten first, so a
/// retried send returns its first ack. It is rebuilt from the channel's stored tail on activation, so idempotency
/// survives restarts for at least the tail without costing any extra stored state per send.
/// </summary>
public sealed class SendDeduplicator(int capacity)
{
    private readonly int _capacity = Math.Max(1, capacity);
    private readonly Dictionary<(string Author, string ClientMessageId), SendAck> _acks = new();
    private readonly Queue<(string Author, string ClientMessageId)> _order = new();

    public int Count => _acks.Count;

    public bool TryGet(string authorId, string clientMessageId, out SendAck ack) =>
        _acks.TryGetValue((authorId, clientMessageId), out ack!);

    public void Remember(ChatMessage message)
    {
        var key = (message.AuthorId, message.ClientMessageId);
        if (!_acks.TryAdd(key, new SendAck(message.Seq, message.MessageId)))
        {
            return;
        }

        _order.Enqueue(key);
        while (_order.Count > _capacity)
        {
            _acks.Remove(_order.Dequeue());
        }
    }

    /// <summary>Undoes a <see cref="Remember"/> whose write failed; the stale queue entry is skipped when it ages out.</summary>
    public void Forget(ChatMessage message) => _acks.Remove((message.AuthorId, message.ClientMessageId));
}
