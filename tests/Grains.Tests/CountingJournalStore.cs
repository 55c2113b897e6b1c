using CommunityScale.Chat;
using CommunityScale.Chat.Journal;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// A journal store that counts its inserts and their rows, and can take a while over each (so that rows queue while one
/// is in flight, as against a real store).
/// </summary>
internal sealed class CountingJournalStore(IJournalStore inner, TimeSpan insertTakes = default) : IJournalStore
{
    public int Inserts
    {
        get
        {
            lock (BatchSizes)
            {
                return BatchSizes.Count;
            }
        }
    }

    /// <summary>The rows of each insert, in order; lock it to read while the journal writes.</summary>
    public List<int> BatchSizes { get; } = [];

    public async Task<IReadOnlyList<bool>> Insert(int partition, IReadOnlyList<JournalRow> rows)
    {
        lock (BatchSizes)
        {
            BatchSizes.Add(rows.Count);
        }

        if (insertTakes > TimeSpan.Zero)
        {
            await Task.Delay(insertTakes);
        }

        return await inner.Insert(partition, rows);
    }

    public Task Replace(int partition, IReadOnlyList<JournalRow> rows) => inner.Replace(partition, rows);

    public Task<IReadOnlyList<JournalRow>> Read(int partition, ChannelKey channel, long afterSeq) => inner.Read(partition, channel, afterSeq);

    public Task Delete(int partition, ChannelKey channel, long throughSeq) => inner.Delete(partition, channel, throughSeq);
}
