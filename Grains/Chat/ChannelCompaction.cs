using CommunityScale.Chat.Journal;
using CommunityScale.Scheduling;
using CommunityScale.Telemetry;
using Microsoft.Extensions.Logging;

namespace CommunityScale.Chat;

/// <summary>
/// A channel's recent messages between the journal and its sealed pages. On activation the tail is rebuilt from the
/// journal (rows after the sealed pages, with the changes the channel's record holds laid over them). Behind the acks,
/// once the tail holds two pages and the oldest has had its follow-ups taken, that page is sealed: the page grain
/// writes it once, the channel's record then notes it sealed (the checkpoint), and only then are its journal rows
/// deleted. A crash between any two steps loses nothing: sealing a page again is harmless, and rows at or below the
/// checkpoint are dropped by the next activation.
/// </summary>
public sealed partial class ChannelCompaction(
    StateWriter<ChannelState> store, ChannelJournal journal, IGrainFactory grains, ChannelKey key, ILogger logger)
{
    // A tail this long is sealed even if its follow-ups still wait (a points grain failing for long must not let it grow unbounded).
    private const int MaxTailPages = 4;
    private readonly List<ChatMessage> _tail = [];

    private ChannelState S => store.State;

    /// <summary>The messages after the sealed pages, in seq order.</summary>
    public IReadOnlyList<ChatMessage> Tail => _tail;

    public JournalAddress Address { get; private set; }

    /// <summary>Rebuilds the tail and the last seq from the journal and the record; moves a pre-journal tail into the journal.</summary>
    public async Task Load()
    {
        var rewrite = false;
        if (S.JournalPartitions == 0)
        {
            // A new channel takes the current count with its first write; an existing one must not lose its rows if the count later changes.
            S.JournalPartitions = journal.Partitions;
            rewrite = S.Info is not null;
        }

        Address = ChannelJournal.AddressOf(key, S.JournalPartitions);
        var journalled = await journal.Read(Address, 0);
        var bySeq = new SortedDictionary<long, ChatMessage>();
        foreach (var message in journalled)
        {
            bySeq[message.Seq] = message;
        }

        if (S.LegacyTail.Count > 0)
        {
            var moving = S.LegacyTail.Where(m => m.Seq > S.SealedThroughSeq && !bySeq.ContainsKey(m.Seq)).ToList();
            if (moving.Count > 0)
            {
                await journal.Append(Address, moving);
            }

            moving.ForEach(m => bySeq[m.Seq] = m);
            S.LegacyTail = [];
            rewrite = true;
        }

        var sealedThrough = S.SealedThroughSeq;
        _tail.Clear();
        _tail.AddRange(bySeq.Values.Where(m => m.Seq > sealedThrough).Select(m => S.Changed.GetValueOrDefault(m.Seq, m)));
        foreach (var stale in S.Changed.Keys.Where(seq => seq <= sealedThrough).ToList())
        {
            S.Changed.Remove(stale);
        }

        S.LastSeq = Math.Max(Math.Max(S.LastSeq, sealedThrough), _tail.Count > 0 ? _tail[^1].Seq : 0);
        if (rewrite)
        {
            await store.Write();
        }

        if (journalled.Count > 0 && journalled[0].Seq <= sealedThrough)
        {
            // Rows a crash left behind after their page was sealed and noted.
            await DeleteSealedRows(sealedThrough);
        }
    }

    public void Appended(IReadOnlyList<ChatMessage> messages) => _tail.AddRange(messages);

    /// <summary>The tail index of <paramref name="seq"/>, or -1 if it is sealed or unknown.</summary>
    public int IndexOf(long seq)
    {
        if (_tail.Count == 0 || seq < _tail[0].Seq || seq > _tail[^1].Seq)
        {
            return -1;
        }

        // Seqs in the tail are consecutive, so the index is arithmetic; checked in case a gap ever appears.
        var guess = (int)(seq - _tail[0].Seq);
        return _tail[guess].Seq == seq ? guess : _tail.FindIndex(m => m.Seq == seq);
    }

    public void Replace(int index, ChatMessage message) => _tail[index] = message;

    /// <summary>Seals the oldest pages while they are due; a failure leaves them for the next pass (nothing is lost).</summary>
    public async Task SealDue()
    {
        while (Due() && await SealOldestPage())
        {
        }
    }

    private bool Due() =>
        S.PageSize > 0 && _tail.Count >= 2 * S.PageSize
        && (_tail[S.PageSize - 1].Seq <= S.ActivityThroughSeq || _tail.Count >= MaxTailPages * S.PageSize);

    private async Task<bool> SealOldestPage()
    {
        var page = _tail.GetRange(0, S.PageSize);
        var pageIndex = new HistoryLayout(S.PageSize).PageIndexOf(page[0].Seq);
        var sealedThrough = page[^1].Seq;
        try
        {
            await grains.HistoryPage(key, pageIndex).Seal(page);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogSealFailed(logger, ex, key.ToString(), pageIndex);
            return false;
        }

        // The page is durable: from here on it answers for these seqs, whether or not the checkpoint below is stored.
        _tail.RemoveRange(0, page.Count);
        S.SealedThroughSeq = sealedThrough;
        foreach (var message in page)
        {
            S.Changed.Remove(message.Seq);
        }

        ChatMetrics.PagesSealed.Add(1);
        try
        {
            await store.Write();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The rows stay in the journal until a checkpoint is stored; the next activation re-seals the page harmlessly.
            LogCheckpointFailed(logger, ex, key.ToString(), pageIndex);
            return false;
        }

        await DeleteSealedRows(sealedThrough);
        return true;
    }

    private async Task DeleteSealedRows(long throughSeq)
    {
        try
        {
            await journal.Delete(Address, throughSeq);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Harmless: rows at or below the checkpoint are ignored, and deleted by the next activation.
            LogDeleteFailed(logger, ex, key.ToString(), throughSeq);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sealing page {Page} of channel {Channel} failed; will retry")]
    private static partial void LogSealFailed(ILogger logger, Exception ex, string channel, long page);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the checkpoint after sealing page {Page} of channel {Channel} failed; its journal rows stay until one is stored")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception ex, string channel, long page);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting journal rows through seq {Seq} of channel {Channel} failed; the next activation deletes them")]
    private static partial void LogDeleteFailed(ILogger logger, Exception ex, string channel, long seq);
}
