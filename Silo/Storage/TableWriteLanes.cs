using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Azure.Data.Tables.Models;
using CommunityScale.Scheduling;

namespace CommunityScale.Silo.Storage;

/// <summary>
/// Grain-state writes of one table, one lane per partition: writes queued in a lane go to storage together, as one
/// entity-group transaction of whole writes (each still all or nothing under its own ETag, since the transaction is).
/// A write that nobody waits for (<see cref="WriteTiming.IsBehind"/>) waits up to <see cref="AzureTableStorageOptions.BehindWriteDelay"/>
/// for others while fewer than <see cref="AzureTableStorageOptions.BehindWriteGather"/> rows are queued; any other write
/// ends the wait and goes first, without them until they have waited that long (a hot channel's acks wait for its
/// writes, and each row more in a request made it longer: durable-sends lost 5–12 % of its acks a second while they
/// rode along). Why: Azurite spent 875 µs of CPU on a one-row request and ≈ 70 µs on each further row of a transaction
/// (docs/performance.md), and a quiet message's follow-ups write several grains' states. When one write in a
/// transaction is refused (its ETag is stale), that write fails and the others are sent again without it.
/// </summary>
/// <param name="gather">Whether writes of different grains can share a partition (shared layout); if not, nothing is worth waiting for.</param>
internal sealed class TableWriteLanes(TableClient table, AzureTableStorageOptions options, bool gather)
{
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Stores the actions of one write (all in <paramref name="partition"/>); returns the ETag of its first row.</summary>
    public Task<ETag> Write(string partition, IReadOnlyList<TableTransactionAction> actions, int bytes)
    {
        var write = new PendingWrite(actions, bytes, WriteTiming.IsBehind);
        Lane lane;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(partition, out lane!))
            {
                _lanes[partition] = lane = new Lane();
            }
        }

        lock (lane)
        {
            lane.Queue.Add(write);
            lane.QueuedRows += actions.Count;
            if (lane.Waiting is { } waiting && (!write.Behind || lane.QueuedRows >= options.BehindWriteGather))
            {
                lane.Waiting = null;
                waiting.TrySetResult();
            }

            if (!lane.Running)
            {
                lane.Running = true;
                _ = Task.Run(() => Drain(partition, lane));
            }
        }

        return write.Done.Task;
    }

    private async Task Drain(string partition, Lane lane)
    {
        var batch = new List<PendingWrite>();
        while (true)
        {
            await Gather(lane);
            batch.Clear();
            lock (lane)
            {
                // Whole writes, within a transaction's 100 rows and (base64 inflates by a third) its 4 MiB.
                // A row may appear once in a transaction: a second write of the same state (two activations of one grain
                // racing) waits for the next one, where its ETag decides.
                var rows = 0;
                var bytes = 0L;
                var heads = new HashSet<string>(StringComparer.Ordinal);
                var urgentOnly = lane.Queue.Exists(w => !w.Behind);
                for (var i = 0; i < lane.Queue.Count; i++)
                {
                    var next = lane.Queue[i];
                    if (urgentOnly && next.Behind && Stopwatch.GetElapsedTime(next.QueuedAt) < options.BehindWriteDelay)
                    {
                        // Rows nobody waits for do not ride along (each makes the request longer for whoever waits) until
                        // they have waited their delay: writes someone waits for, queued again and again, never starve them.
                        continue;
                    }

                    if (batch.Count > 0 && (rows + next.Actions.Count > 100 || bytes + next.Bytes > options.MaxStateBytes))
                    {
                        break;
                    }

                    if (!heads.Add(next.Actions[0].Entity.RowKey))
                    {
                        continue;
                    }

                    lane.Queue.RemoveAt(i--);
                    lane.QueuedRows -= next.Actions.Count;
                    rows += next.Actions.Count;
                    bytes += next.Bytes;
                    batch.Add(next);
                }

                if (batch.Count == 0)
                {
                    lane.Running = false;
                    break;
                }
            }

            await Submit(lane, batch);
        }

        // An idle lane goes (with a partition per grain, lanes would otherwise pile up). A write that found it just before
        // still drains it; one after makes a new one.
        lock (_lanes)
        {
            lock (lane)
            {
                if (!lane.Running && lane.Queue.Count == 0 && _lanes.TryGetValue(partition, out var current) && current == lane)
                {
                    _lanes.Remove(partition);
                }
            }
        }
    }

    private async Task Gather(Lane lane)
    {
        Task waited;
        lock (lane)
        {
            if (!gather || options.BehindWriteDelay <= TimeSpan.Zero || lane.Queue.Count == 0 || lane.Queue.Any(w => !w.Behind) || lane.QueuedRows >= options.BehindWriteGather)
            {
                return;
            }

            lane.Waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waited = lane.Waiting.Task;
        }

        await Task.WhenAny(waited, Task.Delay(options.BehindWriteDelay));
        lock (lane)
        {
            lane.Waiting = null;
        }
    }

    private async Task Submit(Lane lane, List<PendingWrite> batch)
    {
        StorageMetrics.StateRequests.Add(1);
        if (batch is [{ Actions.Count: 1 } lone])
        {
            // One row: a plain insert or conditional replace, not a one-action transaction (Azurite spends about twice the
            // CPU on a one-row $batch).
            try
            {
                var action = lone.Actions[0];
                var response = action.ActionType == TableTransactionActionType.Add
                    ? await table.AddEntityAsync(action.Entity)
                    : await table.UpdateEntityAsync(action.Entity, action.ETag, TableUpdateMode.Replace);
                lone.Done.TrySetResult(response.Headers.ETag ?? default);
            }
            catch (Exception ex)
            {
                lone.Done.TrySetException(ex);
            }

            return;
        }

        try
        {
            var responses = (await table.SubmitTransactionAsync(batch.SelectMany(w => w.Actions))).Value;
            var index = 0;
            foreach (var write in batch)
            {
                write.Done.TrySetResult(responses[index].Headers.ETag ?? default);
                index += write.Actions.Count;
            }
        }
        catch (TableTransactionFailedException ex) when (batch.Count > 1 && ex.FailedTransactionActionIndex is { } failed)
        {
            // Nothing was applied: the refused write fails, the others go again (first in the lane, without waiting).
            var first = 0;
            var refused = batch.First(w => (first += w.Actions.Count) > failed);
            refused.Done.TrySetException(ex);
            lock (lane)
            {
                var again = batch.Where(w => !ReferenceEquals(w, refused)).Select(w => w with { Behind = false }).ToList();
                lane.Queue.InsertRange(0, again);
                lane.QueuedRows += again.Sum(w => w.Actions.Count);
            }
        }
        catch (Exception ex)
        {
            foreach (var write in batch)
            {
                write.Done.TrySetException(ex);
            }
        }
    }

    private sealed class Lane
    {
        public List<PendingWrite> Queue { get; } = [];

        public int QueuedRows { get; set; }

        public bool Running { get; set; }

        public TaskCompletionSource? Waiting { get; set; }
    }

    private sealed record PendingWrite(IReadOnlyList<TableTransactionAction> Actions, int Bytes, bool Behind)
    {
        public TaskCompletionSource<ETag> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long QueuedAt { get; } = Stopwatch.GetTimestamp();
    }
}
