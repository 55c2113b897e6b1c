using CommunityScale.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;

namespace CommunityScale.Chat.Journal;

/// <summary>Where a channel's journal rows live: the channel and its partition (fixed when the channel was created).</summary>
public readonly record struct JournalAddress(ChannelKey Channel, int Partition);

/// <summary>
/// The silo-wide write-ahead journal of chat messages (one per silo, a singleton). Channel grains hand it their accepted
/// messages; each partition has one writer loop that takes whatever rows of any channel are queued (up to
/// <see cref="JournalOptions.MaxBatchRows"/>) and inserts them in one storage operation, so a thousand quiet channels
/// share writes as one busy channel's sends share its group commit. While only quiet channels' rows are queued the writer
/// waits longer for company (<see cref="JournalOptions.QuietDelay"/>); a busy channel's row ends that wait. Rows are
/// inserted, never overwritten: if another activation of a channel (the race after a silo dies) already stored a
/// different message under a seq, that append fails with <see cref="InconsistentStateException"/> and the caller's
/// activation must step down.
/// </summary>
public sealed partial class ChannelJournal(IJournalStore store, Serializer serializer, IOptions<JournalOptions> options, ILogger<ChannelJournal> logger, TimeProvider? clock = null)
{
    private readonly JournalOptions _options = options.Value;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Dictionary<int, Lane> _lanes = [];

    /// <summary>The partition count new channels are created with.</summary>
    public int Partitions => _options.Partitions;

    /// <summary>By <see cref="StableHash"/>, so every silo finds a channel's rows in the same partition.</summary>
    public static JournalAddress AddressOf(ChannelKey channel, int partitions) => new(channel, StableHash.Bucket(channel.ToString(), partitions));

    /// <summary>
    /// Completes when every message is durably in the journal (the ack may follow). <paramref name="sincePrevious"/> is
    /// how long ago the channel's previous append started (<see cref="TimeSpan.MaxValue"/>: none in this activation): it
    /// tells a quiet channel, whose rows may wait for company, from a busy one, whose rows may not. The default, zero,
    /// counts as busy (no long wait), for a caller with nobody waiting on a pause (a legacy tail moved on activation).
    /// </summary>
    public Task Append(JournalAddress address, IReadOnlyList<ChatMessage> messages, TimeSpan sincePrevious = default)
    {
        var rows = new JournalRow[messages.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = ToRow(address.Channel, messages[i]);
        }

        var append = new PendingAppend(rows, sincePrevious < _options.BusyWithin);
        Lane lane;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(address.Partition, out lane!))
            {
                _lanes[address.Partition] = lane = new Lane(address.Partition);
            }
        }

        lock (lane)
        {
            lane.Queue.Enqueue(append);
            lane.QueuedRows += rows.Length;
            lane.QueuedBusy += append.Busy ? 1 : 0;
            if (append.Busy || lane.QueuedRows >= _options.GatherRows)
            {
                lane.Wake?.TrySetResult();
            }

            if (!lane.Running)
            {
                lane.Running = true;
                _ = Task.Run(() => Drain(lane));
            }
        }

        return append.Done.Task;
    }

    /// <summary>The channel's journalled messages after <paramref name="afterSeq"/>, in seq order.</summary>
    public async Task<IReadOnlyList<ChatMessage>> Read(JournalAddress address, long afterSeq)
    {
        var rows = await store.Read(address.Partition, address.Channel, afterSeq);
        return [.. rows.Select(r => serializer.Deserialize<ChatMessage>(r.Data)
            ?? throw new InvalidOperationException($"Journal row {r.Seq} of channel '{r.Channel}' holds no message."))];
    }

    /// <summary>Overwrites journalled messages with their current version (an erasure, an edit, a removal).</summary>
    public Task Replace(JournalAddress address, IReadOnlyList<ChatMessage> messages) =>
        store.Replace(address.Partition, [.. messages.Select(m => ToRow(address.Channel, m))]);

    /// <summary>Drops the rows through <paramref name="throughSeq"/>: only once their page is durable.</summary>
    public Task Delete(JournalAddress address, long throughSeq) => store.Delete(address.Partition, address.Channel, throughSeq);

    private JournalRow ToRow(ChannelKey channel, ChatMessage message) => new(channel, message.Seq, serializer.SerializeToArray(message));

    /// <summary>One partition's loop: batches queued appends into storage operations until the queue is empty.</summary>
    private async Task Drain(Lane lane)
    {
        var batch = new List<PendingAppend>();
        var rows = new List<JournalRow>(_options.MaxBatchRows);
        while (true)
        {
            await Gather(lane);
            batch.Clear();
            rows.Clear();
            lock (lane)
            {
                // Whole appends only, unless one alone is larger than a batch: a channel's batch then spans operations.
                while (lane.Queue.TryPeek(out var next) && (rows.Count == 0 || rows.Count + next.Rows.Length <= _options.MaxBatchRows))
                {
                    lane.Queue.Dequeue();
                    lane.QueuedRows -= next.Rows.Length;
                    lane.QueuedBusy -= next.Busy ? 1 : 0;
                    batch.Add(next);
                    rows.AddRange(next.Rows);
                }

                if (batch.Count == 0)
                {
                    lane.Running = false;
                    return;
                }

                lane.LastBatchRows = rows.Count;
            }

            await Write(lane.Partition, batch, rows);
        }
    }

    /// <summary>
    /// Waits for more rows before a write: <see cref="JournalOptions.MaxDelay"/> while a busy channel's row or
    /// <see cref="JournalOptions.GatherRows"/> are queued (or the last write carried that many), up to
    /// <see cref="JournalOptions.QuietDelay"/> while only quiet channels' rows are, and not at all once a full batch is.
    /// </summary>
    private async Task Gather(Lane lane)
    {
        var started = _clock.GetTimestamp();
        while (true)
        {
            TaskCompletionSource? wake;
            TimeSpan left;
            lock (lane)
            {
                if (lane.QueuedRows >= _options.MaxBatchRows)
                {
                    return;
                }

                // Once writes fill by themselves (rows pile up while one is in flight), a wait would only add latency.
                var quiet = lane.QueuedBusy == 0 && lane.QueuedRows < _options.GatherRows && lane.LastBatchRows < _options.GatherRows;
                var limit = quiet && _options.QuietDelay > _options.MaxDelay ? _options.QuietDelay : _options.MaxDelay;
                left = limit - _clock.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    return;
                }

                // Timers count whole milliseconds and drop the rest: a wait under one ends at once, and this loop spun
                // until the time was up (many-channels: ≈ 1,100 turns a gather, 200 a message, each with its task,
                // timer and token). Rounded up, the last turn waits once.
                left = TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds));

                // Only a quiet wait can be cut short (by a busy row or enough rows: see Append); a short one just runs out.
                lane.Wake = wake = quiet ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
            }

            if (wake is null)
            {
                await Task.Delay(left, _clock);
                continue;
            }

            using (var cancel = new CancellationTokenSource())
            {
                if (await Task.WhenAny(wake.Task, Task.Delay(left, _clock, cancel.Token)) == wake.Task)
                {
                    await cancel.CancelAsync();
                }
            }

            lock (lane)
            {
                lane.Wake = null;
            }
        }
    }

    private async Task Write(int partition, List<PendingAppend> batch, List<JournalRow> rows)
    {
        var stored = new bool[rows.Count];
        try
        {
            for (var start = 0; start < rows.Count; start += _options.MaxBatchRows)
            {
                var slice = rows.GetRange(start, Math.Min(_options.MaxBatchRows, rows.Count - start));
                var results = await store.Insert(partition, slice);
                for (var i = 0; i < results.Count; i++)
                {
                    stored[start + i] = results[i];
                }

                ChatMetrics.JournalWrites.Add(1);
                ChatMetrics.JournalBatchRows.Record(slice.Count);
                ChatMetrics.JournalBytes.Add(slice.Sum(r => (long)r.Data.Length));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogWriteFailed(logger, ex, partition, rows.Count);
            foreach (var append in batch)
            {
                append.Done.TrySetException(ex);
            }

            return;
        }

        var index = 0;
        foreach (var append in batch)
        {
            var conflict = -1;
            for (var i = 0; i < append.Rows.Length; i++, index++)
            {
                if (!stored[index] && conflict < 0)
                {
                    conflict = i;
                }
            }

            if (conflict < 0)
            {
                append.Done.TrySetResult();
            }
            else
            {
                var row = append.Rows[conflict];
                LogConflict(logger, row.Channel.ToString(), row.Seq);
                append.Done.TrySetException(new InconsistentStateException(
                    $"Seq {row.Seq} of channel '{row.Channel}' already holds another message: another activation of the channel wrote it."));
            }
        }
    }

    private sealed class Lane(int partition)
    {
        public int Partition { get; } = partition;

        public Queue<PendingAppend> Queue { get; } = new();

        public int QueuedRows;

        /// <summary>The rows of the last write.</summary>
        public int LastBatchRows;

        /// <summary>Queued appends of busy channels.</summary>
        public int QueuedBusy;

        /// <summary>Set while the writer waits out a quiet wait: what ends it early.</summary>
        public TaskCompletionSource? Wake;

        public bool Running { get; set; }
    }

    private sealed class PendingAppend(JournalRow[] rows, bool busy)
    {
        public JournalRow[] Rows { get; } = rows;

        public bool Busy { get; } = busy;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Rows} journal rows to partition {Partition} failed; their channels refuse those sends")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, int partition, int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seq {Seq} of channel {Channel} was already taken by another activation; this one steps down")]
    private static partial void LogConflict(ILogger logger, string channel, long seq);
}
