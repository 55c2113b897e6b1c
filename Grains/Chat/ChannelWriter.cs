using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Options;
using CommunityScale.Posting;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using CommunityScale.Telemetry;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Orleans.Streams;

namespace CommunityScale.Chat;

/// <summary>What a change of a channel's state did: how to undo it if its write fails, and the follow-ups it owes.</summary>
public sealed record ChannelChange(Action? Undo, IReadOnlyList<FollowUp?> FollowUps)
{
    /// <summary>Applied, but nothing changed and nothing is owed.</summary>
    public static readonly ChannelChange Nothing = new(null, []);

    /// <summary>Only follow-ups to record (a change of a sealed page, which its page grain stored).</summary>
    public static ChannelChange Owing(params FollowUp?[] followUps) => new(null, followUps);
}

/// <summary>
/// The single writer of a channel: every change of its state — accepted messages, edits, reactions, removals, slow mode,
/// retention marks — is queued here and stored by one loop, so no two writes of the channel overlap. Group commit: the
/// grain is reentrant, so sends that arrive while a write is in flight queue up and are stored together by the next
/// write (at most <see cref="ChatOptions.GroupCommitMaxBatch"/>), then all acked, then published with one enqueue on the
/// channel stream. Changes ride on the same write and record their follow-ups in the channel's outbox in it. If a write
/// fails, memory is put back as storage has it and everything in it is refused with <c>unavailable</c>.
/// </summary>
public sealed partial class ChannelWriter(
    StateWriter<ChannelState> store,
    Outbox outbox,
    IGrainFactory grains,
    ChannelKey key,
    ChatOptions options,
    TimeProvider clock,
    ILogger logger,
    Action deactivate)
{
    private static readonly List<PendingChange> NoChanges = [];
    private static readonly List<Action> NoUndo = [];
    private readonly List<PendingSend> _pending = [];
    private readonly List<PendingChange> _changes = [];
    private readonly Dictionary<(string Author, string ClientMessageId), PendingSend> _pendingByClientId = [];
    private SendDeduplicator _dedupe = null!;
    private IAsyncStream<ChannelStreamEvent> _stream = null!;
    private bool _flushing;
    private long _nextSeq;

    private ChannelState S => store.State;

    /// <summary>The last seq known to be in storage. Reads interleave with writes and must never show more than this.</summary>
    public long CommittedSeq { get; private set; }

    /// <summary>Called after a batch of messages is stored, acked and published (the awards take them from here).</summary>
    public Action<IReadOnlyList<ChatMessage>>? Stored { get; set; }

    public void Activated(IAsyncStream<ChannelStreamEvent> stream)
    {
        _stream = stream;
        _dedupe = new SendDeduplicator(options.DedupeCapacity);
        CommittedSeq = S.LastSeq;
        _nextSeq = S.LastSeq + 1;
        foreach (var message in S.Tail)
        {
            _dedupe.Remember(message);
        }
    }

    /// <summary>The ack of a send with this (author, clientMessageId) that is stored or waiting for its write; null if none.</summary>
    public Task<SendAck>? TryFindEarlier(string authorId, string clientMessageId) =>
        _dedupe.TryGet(authorId, clientMessageId, out var ack) ? Task.FromResult(ack)
        : _pendingByClientId.TryGetValue((authorId, clientMessageId), out var pending) ? pending.Acked.Task
        : null;

    /// <summary>Gives the message the next seq and queues it; completes when it is stored (the ack).</summary>
    public Task<SendAck> Enqueue(string authorId, string authorName, string text, string clientMessageId, DateTimeOffset now,
        IReadOnlyList<Posting.AttachmentInfo>? attachments = null)
    {
        var pending = new PendingSend(new ChatMessage(key.CommunityId, key.ChannelId, _nextSeq++, Guid.NewGuid().ToString("n"),
            authorId, authorName, text, now, clientMessageId, Attachments: attachments));
        _pending.Add(pending);
        _pendingByClientId[(pending.Message.AuthorId, pending.Message.ClientMessageId)] = pending;
        StartFlushing();
        return pending.Acked.Task;
    }

    /// <summary>
    /// Queues a change of the state; <paramref name="apply"/> runs in the writer's turn, sees the state as it is then, and
    /// returns null when it does not apply (the task then completes with false).
    /// </summary>
    public Task<bool> Change(Func<ChannelState, ChannelChange?> apply)
    {
        var pending = new PendingChange(apply);
        _changes.Add(pending);
        StartFlushing();
        return pending.Done.Task;
    }

    /// <summary>
    /// Changes a tail message; false when it is not in the tail (sealed into a page, where the page grain changes it).
    /// <paramref name="change"/> sees the message as it is then; returning the same instance means "nothing to change".
    /// <paramref name="followUps"/> names what the change owes, given the message before it.
    /// </summary>
    public Task<bool> ChangeInTail(long seq, Func<ChatMessage, ChatMessage> change, Func<ChatMessage, IReadOnlyList<FollowUp?>>? followUps = null) =>
        Change(state =>
        {
            var index = state.Tail.FindIndex(m => m.Seq == seq);
            if (index < 0)
            {
                return null;
            }

            var before = state.Tail[index];
            var after = change(before);
            if (ReferenceEquals(before, after))
            {
                return ChannelChange.Nothing;
            }

            state.Tail[index] = after;
            return new ChannelChange(() => state.Tail[index] = before, followUps?.Invoke(before) ?? []);
        });

    /// <summary>Stores follow-ups owed for a change made elsewhere (a sealed page).</summary>
    public Task Owe(params FollowUp?[] followUps) => Change(_ => ChannelChange.Owing(followUps));

    private void StartFlushing()
    {
        if (!_flushing)
        {
            // Runs on the grain's scheduler like any grain code; each waiting caller awaits its own task.
            _flushing = true;
            _ = FlushPending();
        }
    }

    /// <summary>Stores waiting sends and changes in batches, in seq order, until none wait.</summary>
    private async Task FlushPending()
    {
        try
        {
            while (_pending.Count > 0 || _changes.Count > 0)
            {
                if (_pending.Count > 0 && options.GroupCommitMaxDelay > TimeSpan.Zero && _pending.Count < options.GroupCommitMaxBatch)
                {
                    await Task.Delay(options.GroupCommitMaxDelay, clock);
                }

                // Most batches carry no changes: they allocate nothing for them.
                var changes = _changes.Count == 0 ? NoChanges : [.. _changes];
                _changes.Clear();
                var undo = changes.Count == 0 ? NoUndo : ApplyChanges(changes);
                var batch = _pending.GetRange(0, Math.Min(_pending.Count, Math.Max(1, options.GroupCommitMaxBatch)));
                _pending.RemoveRange(0, batch.Count);
                if (!await Commit(batch, undo.Count > 0))
                {
                    for (var i = undo.Count - 1; i >= 0; i--)
                    {
                        undo[i]();
                    }

                    foreach (var change in changes)
                    {
                        change.Done.TrySetException(new CommunityException(ErrorCodes.Unavailable, "The change could not be stored; retry."));
                    }

                    continue;
                }

                foreach (var change in changes)
                {
                    change.Done.TrySetResult(change.Applied);
                }

                if (batch.Count > 0)
                {
                    foreach (var sent in batch)
                    {
                        _pendingByClientId.Remove((sent.Message.AuthorId, sent.Message.ClientMessageId));
                        sent.Acked.TrySetResult(new SendAck(sent.Message.Seq, sent.Message.MessageId));
                    }

                    await Publish(batch);
                    Stored?.Invoke([.. batch.Select(b => b.Message)]);
                    await SealFullPages();
                }
            }
        }
        catch (Exception ex)
        {
            // Not expected (each step handles its own failures), but no caller may be left waiting forever.
            LogFlushFailed(logger, ex, key.ToString());
            var refused = new CommunityException(ErrorCodes.Unavailable, "The message could not be stored; retry with the same clientMessageId.");
            foreach (var failed in _pending)
            {
                failed.Acked.TrySetException(refused);
            }

            _pending.Clear();
            _pendingByClientId.Clear();
            foreach (var change in _changes)
            {
                change.Done.TrySetException(refused);
            }

            _changes.Clear();
            _nextSeq = CommittedSeq + 1;
            deactivate();
        }
        finally
        {
            _flushing = false;
        }
    }

    private List<Action> ApplyChanges(List<PendingChange> changes)
    {
        var undo = new List<Action>();
        foreach (var change in changes)
        {
            if (change.Apply(S) is not { } applied)
            {
                continue;
            }

            change.Applied = true;
            if (applied.Undo is { } undoChange)
            {
                undo.Add(undoChange);
            }

            var owed = outbox.AddRange(applied.FollowUps);
            if (owed.Count > 0)
            {
                undo.Add(() => outbox.Discard(owed));
            }
        }

        return undo;
    }

    /// <summary>
    /// Stores a batch (and the changes applied with it). On failure, the batch and every send queued behind it (their
    /// seqs would leave a gap) are refused with <c>unavailable</c>: nothing is acked that is not stored.
    /// </summary>
    private async Task<bool> Commit(List<PendingSend> batch, bool changed)
    {
        if (batch.Count == 0 && !changed)
        {
            return true;
        }

        foreach (var sent in batch)
        {
            S.Tail.Add(sent.Message);
        }

        if (batch.Count > 0)
        {
            S.LastSeq = batch[^1].Message.Seq;
        }

        try
        {
            await outbox.Store();
            CommittedSeq = S.LastSeq;
            if (batch.Count > 0)
            {
                ChatMetrics.StorageWrites.Add(1);
                ChatMetrics.MessagesStored.Add(batch.Count);
                ChatMetrics.BatchSize.Record(batch.Count);
                foreach (var sent in batch)
                {
                    _dedupe.Remember(sent.Message);
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            S.Tail.RemoveRange(S.Tail.Count - batch.Count, batch.Count);
            S.LastSeq = CommittedSeq;
            LogWriteFailed(logger, ex, key.ToString(), batch.Count > 0 ? batch[0].Message.Seq : CommittedSeq, batch.Count);
            if (ex is InconsistentStateException)
            {
                // Another activation wrote this channel: this one's state is stale, so let a fresh activation take over.
                deactivate();
            }

            var refused = new CommunityException(ErrorCodes.Unavailable, "The message could not be stored; retry with the same clientMessageId.");
            foreach (var failed in batch.Concat(_pending))
            {
                _pendingByClientId.Remove((failed.Message.AuthorId, failed.Message.ClientMessageId));
                failed.Acked.TrySetException(refused);
            }

            ChatMetrics.SendsRefusedUnavailable.Add(batch.Count + _pending.Count);
            _pending.Clear();
            _nextSeq = CommittedSeq + 1;
            return false;
        }
    }

    /// <summary>
    /// One stream event per message, but one enqueue for the whole batch: the queue gets one call and each gateway one
    /// delivery, rather than one per message (each awaited) before the writer can store the next batch.
    /// </summary>
    private async Task Publish(List<PendingSend> batch)
    {
        try
        {
            await _stream.OnNextBatchAsync([.. batch.Select(sent => (ChannelStreamEvent)new MessagePosted(sent.Message))]);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Live delivery may drop events; gateways and clients fill the gap from history, so the acks stand.
            LogPublishFailed(logger, ex, key.ToString(), batch[0].Message.Seq, batch[^1].Message.Seq);
        }
    }

    /// <summary>
    /// Moves the oldest full pages out of the tail while it holds two pages or more. The page is written before the tail
    /// shrinks, and sealing the same page twice is harmless, so a crash between the two writes loses nothing.
    /// </summary>
    private async Task SealFullPages()
    {
        while (S.Tail.Count >= 2 * S.PageSize && await SealOldestPage())
        {
        }
    }

    private async Task<bool> SealOldestPage()
    {
        var page = S.Tail.GetRange(0, S.PageSize);
        var pageIndex = new HistoryLayout(S.PageSize).PageIndexOf(page[0].Seq);
        try
        {
            await grains.HistoryPage(key, pageIndex).Seal(page);
            S.Tail.RemoveRange(0, S.PageSize);
            S.SealedThroughSeq = page[^1].Seq;
            await store.Write();
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The messages are already durable in the tail; sealing is retried after the next send.
            LogSealFailed(logger, ex, key.ToString(), pageIndex);
            return false;
        }
    }

    private sealed class PendingChange(Func<ChannelState, ChannelChange?> apply)
    {
        public Func<ChannelState, ChannelChange?> Apply { get; } = apply;

        public bool Applied { get; set; }

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class PendingSend(ChatMessage message)
    {
        public ChatMessage Message { get; } = message;

        public TaskCompletionSource<SendAck> Acked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing seqs {From}-{To} on channel {Channel} failed; gateways will fill the gap from history")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string channel, long from, long to);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing {Count} messages from seq {Seq} on channel {Channel} failed; the sends were refused")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, string channel, long seq, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The writer of channel {Channel} failed; waiting sends were refused")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sealing page {Page} of channel {Channel} failed; will retry")]
    private static partial void LogSealFailed(ILogger logger, Exception ex, string channel, long page);
}
