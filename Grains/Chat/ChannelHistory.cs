using CommunityScale.Errors;

namespace CommunityScale.Chat;

/// <summary>
/// Reading a channel's history: sealed pages (<see cref="HistoryPageGrain"/>) for what is older than the tail, the tail
/// for the rest, and never past the last committed seq (reads interleave with writes).
/// </summary>
public sealed class ChannelHistory(IGrainFactory grains, ChannelKey key, Func<ChannelState> state, Func<IReadOnlyList<ChatMessage>> tail)
{
    private ChannelState S => state();

    public IHistoryPageGrain PageOf(long seq) => grains.HistoryPage(key, new HistoryLayout(S.PageSize).PageIndexOf(seq));

    public IMessageReactionsGrain ReactionsOf(long seq) =>
        grains.MessageReactions(key, new HistoryLayout(S.PageSize).PageIndexOf(seq));

    public async Task<HistoryPage> Read(long afterSeq, int limit, long committedSeq)
    {
        // Snapshot first: only what is committed may be read, and the tail may move while pages are read.
        var sealedThrough = S.SealedThroughSeq;
        var recent = tail().ToArray();
        var layout = new HistoryLayout(S.PageSize);
        var from = Math.Max(afterSeq, 0) + 1;
        var to = Math.Min(committedSeq, Math.Max(afterSeq, 0) + limit);
        var result = new List<ChatMessage>((int)Math.Max(0, to - from + 1));
        var seq = from;
        while (seq <= to && seq <= sealedThrough)
        {
            var pageIndex = layout.PageIndexOf(seq);
            result.AddRange((await grains.HistoryPage(key, pageIndex).Read()).Where(m => m.Seq >= seq && m.Seq <= to));
            seq = layout.FirstSeqOf(pageIndex + 1);
        }

        result.AddRange(recent.Where(m => m.Seq >= seq && m.Seq <= to));
        return new HistoryPage(committedSeq, result, to < committedSeq);
    }

    /// <summary>A committed message, from the tail or its sealed page; <c>not_found</c> otherwise.</summary>
    public async Task<ChatMessage> Message(long seq, long committedSeq)
    {
        if (seq < 1 || seq > committedSeq)
        {
            throw CommunityException.NotFound($"Message {seq} in channel '{key}'");
        }

        return tail().FirstOrDefault(m => m.Seq == seq)
            ?? (await PageOf(seq).Read()).FirstOrDefault(m => m.Seq == seq)
            ?? throw CommunityException.NotFound($"Message {seq} in channel '{key}'");
    }
}
