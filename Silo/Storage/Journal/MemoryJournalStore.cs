using System.Collections.Concurrent;
using CommunityScale.Chat;
using CommunityScale.Chat.Journal;

namespace CommunityScale.Silo.Storage.Journal;

/// <summary>
/// The journal in this process's memory (Storage:Provider=Memory: tests and throwaway runs). It is shared by every silo
/// of one cluster in the process (a test cluster's silos are), so a channel that moves between them finds its rows, as
/// it would in durable storage; it is lost with the process.
/// </summary>
public sealed class MemoryJournalStore(string scope) : IJournalStore
{
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<ChannelKey, SortedDictionary<long, byte[]>>> Scopes = new();

    private readonly ConcurrentDictionary<ChannelKey, SortedDictionary<long, byte[]>> _channels = Scopes.GetOrAdd(scope, _ => new());

    public Task<IReadOnlyList<bool>> Insert(int partition, IReadOnlyList<JournalRow> rows)
    {
        var results = new bool[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var rowsOfChannel = RowsOf(rows[i].Channel);
            lock (rowsOfChannel)
            {
                results[i] = rowsOfChannel.TryGetValue(rows[i].Seq, out var held)
                    ? held.AsSpan().SequenceEqual(rows[i].Data.Span)
                    : rowsOfChannel.TryAdd(rows[i].Seq, rows[i].Data.ToArray());
            }
        }

        return Task.FromResult<IReadOnlyList<bool>>(results);
    }

    public Task Replace(int partition, IReadOnlyList<JournalRow> rows)
    {
        foreach (var row in rows)
        {
            var rowsOfChannel = RowsOf(row.Channel);
            lock (rowsOfChannel)
            {
                rowsOfChannel[row.Seq] = row.Data.ToArray();
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<JournalRow>> Read(int partition, ChannelKey channel, long afterSeq)
    {
        var rowsOfChannel = RowsOf(channel);
        lock (rowsOfChannel)
        {
            return Task.FromResult<IReadOnlyList<JournalRow>>(
                [.. rowsOfChannel.Where(r => r.Key > afterSeq).Select(r => new JournalRow(channel, r.Key, r.Value))]);
        }
    }

    public Task Delete(int partition, ChannelKey channel, long throughSeq)
    {
        var rowsOfChannel = RowsOf(channel);
        lock (rowsOfChannel)
        {
            foreach (var seq in rowsOfChannel.Keys.TakeWhile(s => s <= throughSeq).ToList())
            {
                rowsOfChannel.Remove(seq);
            }
        }

        return Task.CompletedTask;
    }

    private SortedDictionary<long, byte[]> RowsOf(ChannelKey channel) => _channels.GetOrAdd(channel, _ => []);
}
