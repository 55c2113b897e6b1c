using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CommunityScale.Posting;

namespace CommunityScale.Chat;

/// <summary>
/// Remembers the acks of the last <c>capacity</c> sends by (author, clientMessageId), oldest forgotten first, so a
/// retried send returns its first ack. It is rebuilt from the channel's stored tail on activation, so idempotency
/// survives restarts for at least the tail without costing any extra stored state per send.
/// </summary>
/// <remarks>
/// A send is remembered by a 128-bit SHA-256 prefix of its (author, clientMessageId) and an id it can rebuild its ack
/// from, not by the strings: about 72 bytes an entry instead of about 350, so a full memory of 4,096 is 0.3 MB a
/// channel, not 1.4 MB (a 30-minute soak saw the silos grow for as long as these filled). Two different sends share a
/// prefix with a chance of about 2^-105 in a full memory: far below any storage's own error rate.
/// </remarks>
public sealed class SendDeduplicator(int capacity)
{
    private readonly int _capacity = Math.Max(1, capacity);
    private readonly Dictionary<SendKey, RememberedAck> _acks = new();
    private readonly Queue<SendKey> _order = new();

    public int Count => _acks.Count;

    public bool TryGet(SendKey key, out SendAck ack)
    {
        if (_acks.TryGetValue(key, out var found))
        {
            ack = found.ToAck();
            return true;
        }

        ack = null!;
        return false;
    }

    public void Remember(ChatMessage message) => Remember(SendKey.Of(message.AuthorId, message.ClientMessageId), message);

    /// <summary>Remembers <paramref name="message"/> under the key its send was already looked up by.</summary>
    public void Remember(SendKey key, ChatMessage message)
    {
        if (!_acks.TryAdd(key, RememberedAck.Of(message)))
        {
            return;
        }

        _order.Enqueue(key);
        while (_order.Count > _capacity)
        {
            _acks.Remove(_order.Dequeue());
        }
    }

    /// <summary>A message id the channel made (32 hex digits) is kept as a <see cref="Guid"/>; any other as it is.</summary>
    private readonly record struct RememberedAck(long Seq, Guid Id, string? OtherId)
    {
        public static RememberedAck Of(ChatMessage message) =>
            Guid.TryParseExact(message.MessageId, "n", out var id) && !message.MessageId.AsSpan().ContainsAnyInRange('A', 'Z')
                ? new(message.Seq, id, null)
                : new(message.Seq, Guid.Empty, message.MessageId);

        public SendAck ToAck() => new(Seq, OtherId ?? Id.ToString("n"));
    }
}

/// <summary>
/// A send's (author, clientMessageId) as a 128-bit SHA-256 prefix: computed once per send and used for every look-up
/// of it (the duplicate memory, the writes still pending).
/// </summary>
public readonly record struct SendKey(UInt128 Hash)
{
    private const int MaxStackChars = 256;

    // The author's length goes first, so ("ab", "c") and ("a", "bc") never hash alike.
    public static SendKey Of(string authorId, string clientMessageId)
    {
        var length = 2 + authorId.Length + clientMessageId.Length;
        char[]? rented = null;
        var chars = length <= MaxStackChars ? stackalloc char[MaxStackChars] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            chars[0] = (char)(authorId.Length >> 16);
            chars[1] = (char)authorId.Length;
            authorId.AsSpan().CopyTo(chars[2..]);
            clientMessageId.AsSpan().CopyTo(chars[(2 + authorId.Length)..]);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(MemoryMarshal.AsBytes(chars[..length]), hash);
            return new SendKey(BinaryPrimitives.ReadUInt128LittleEndian(hash));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}
