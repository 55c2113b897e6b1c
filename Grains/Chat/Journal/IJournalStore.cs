namespace CommunityScale.Chat.Journal;

/// <summary>One accepted message of one channel as the journal stores it: its serialized bytes under (channel, seq).</summary>
public sealed record JournalRow(ChannelKey Channel, long Seq, ReadOnlyMemory<byte> Data);

/// <summary>
/// Where the chat write-ahead journal lives (memory, Azure Table, Redis). Rows are grouped in partitions chosen by the
/// caller (<see cref="ChannelJournal"/>); rows of one partition can be written together in one storage operation, so
/// the messages of many channels cost one round trip. Every provider is held to the same contract by the conformance
/// suite (tests/Storage.Tests/JournalStoreConformance.cs).
/// </summary>
public interface IJournalStore
{
    /// <summary>
    /// Inserts rows, all of <paramref name="partition"/>, in as few storage operations as the provider allows (Azure: one
    /// entity-group transaction per 100 rows; Redis: one pipelined round trip). Never overwrites. For each row, in order:
    /// true if it is now stored, or was already stored with the same bytes (a retried insert); false if its
    /// (channel, seq) already holds different bytes — another activation of that channel took the seq. Throws when
    /// storage fails; then any subset of the rows may be stored.
    /// </summary>
    Task<IReadOnlyList<bool>> Insert(int partition, IReadOnlyList<JournalRow> rows);

    /// <summary>Writes rows whether or not they exist (an erasure or an edit must not leave the old words in the journal).</summary>
    Task Replace(int partition, IReadOnlyList<JournalRow> rows);

    /// <summary>The channel's rows with a seq greater than <paramref name="afterSeq"/>, in seq order.</summary>
    Task<IReadOnlyList<JournalRow>> Read(int partition, ChannelKey channel, long afterSeq);

    /// <summary>Deletes the channel's rows with a seq up to <paramref name="throughSeq"/>; rows already gone are no error.</summary>
    Task Delete(int partition, ChannelKey channel, long throughSeq);
}
