using CommunityScale.Chat.Journal;
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

/// <summary>
/// The single writer of a channel: every change — accepted messages, edits, reactions, removals, slow mode, retention
/// marks — is queued here and stored by one loop, so no two writes of the channel overlap. Accepted messages go to the
/// silo's <see cref="ChannelJournal"/> (bytes per message O(message), shared with other channels' messages); sends that
/// arrive while an append is in flight queue up and go together in the next (group commit, at most
/// <see cref="ChatOptions.GroupCommitMaxBatch"/>), then are acked and published with one enqueue. Other changes are
/// stored by <see cref="ChannelChanges"/> in the channel's own small record, with the follow-ups they owe. The
/// <see cref="ChannelCompaction"/> seals full pages behind the acks. If an append fails, its sends are refused with
/// <c>unavailable</c> and the activation steps down: what storage holds is learnt afresh by the next one.
/// </summary>
public sealed partial class ChannelWriter(
    StateWriter<ChannelState> store,
    Outbox outbox,
    ChannelJournal journal,
    ChannelKey key,
    ChatOptions options,
    TimeProvider clock,
    ILogger logger,
    Action deactivate)
{
    private readonly List<PendingSend> _pending = [];
    private readonly Dictionary<SendKey, PendingSend> _pendingByClientId = [];
    private SendDeduplicator _dedupe = null!;
    private IAsyncStream<ChannelStreamEvent> _stream = null!;
    private ChannelCompaction _compaction = null!;
    private ChannelChanges _changes = null!;
    private bool _flushing;
    private bool _compactionAsked;
    private long _nextSeq;
    private long? _lastAppendStarted;

    private ChannelState S => store.State;

    /// <summary>The last seq known to be in storage. Reads interleave with writes and must never show more than this.</summary>
    public long CommittedSeq { get; private set; }

    /// <summary>The messages after the sealed pages, in seq order, as they are now (all committed).</summary>
    public IReadOnlyList<ChatMessage> Tail => _compaction.Tail;

    /// <summary>Called after a batch of messages is stored, acked and published (the awards take them from here).</summary>
    public Action<IReadOnlyList<ChatMessage>>? Stored { get; set; }

    /// <summary>On activation: the tail is rebuilt from the journal (see <see cref="ChannelCompaction.Load"/>).</summary>
    public async Task Activate(IAsyncStream<ChannelStreamEvent> stream, ChannelCompaction compaction)
    {
        _stream = stream;
        _compaction = compaction;
        _changes = new ChannelChanges(() => S, outbox, journal, compaction, key, logger, deactivate);
        await compaction.Load();
        _dedupe = new SendDeduplicator(options.DedupeCapacity);
        CommittedSeq = S.LastSeq;
        _nextSeq = S.LastSeq + 1;
        foreach (var message in compaction.Tail)
        {
            _dedupe.Remember(message);
        }
    }

    /// <summary>The ack of a send with this (author, clientMessageId) that is stored or waiting for its write; null if none.</summary>
    public Task<SendAck>? TryFindEarlier(SendKey send) =>
        _dedupe.TryGet(send, out var ack) ? Task.FromResult(ack)
        : _pendingByClientId.TryGetValue(send, out var pending) ? pending.Acked.Task
        : null;

    /// <summary>Gives the message the next seq and queues it; completes when it is stored (the ack).</summary>
    public Task<SendAck> Enqueue(SendKey send, string authorId, string authorName, string text, string clientMessageId, DateTimeOffset now,
        IReadOnlyList<AttachmentInfo>? attachments = null, bool mentionsEveryone = false)
    {
        var pending = new PendingSend(send, new ChatMessage(key.CommunityId, key.ChannelId, _nextSeq++, Guid.NewGuid().ToString("n"),
            authorId, authorName, text, now, clientMessageId, Attachments: attachments, MentionsEveryone: mentionsEveryone));
        _pending.Add(pending);
        _pendingByClientId[send] = pending;
        StartFlushing();
        return pending.Acked.Task;
    }

    /// <summary>
    /// Queues a change of the state; <paramref name="apply"/> runs in the writer's turn, sees the state as it is then, and
    /// returns null when it does not apply (the task then completes with false).
    /// </summary>
    public Task<bool> Change(Func<ChannelState, ChannelChange?> apply)
    {
        var done = _changes.Queue(apply);
        StartFlushing();
        return done;
    }

    /// <summary>
    /// Changes a tail message; false when it is not in the tail (sealed into a page, where the page grain changes it).
    /// See <see cref="ChannelChanges.InTail"/>.
    /// </summary>
    public Task<bool> ChangeInTail(long seq, Func<ChatMessage, ChatMessage> change, Func<ChatMessage, IReadOnlyList<FollowUp?>>? followUps = null) =>
        Change(_changes.InTail(seq, change, followUps));

    /// <summary>Stores follow-ups owed for a change made elsewhere (a sealed page).</summary>
    public Task Owe(params FollowUp?[] followUps) => Change(_ => ChannelChange.Owing(followUps));

    /// <summary>Asks the loop to seal what is due (the outbox reminder's tick, after storage came back).</summary>
    public void Compact()
    {
        _compactionAsked = true;
        StartFlushing();
    }

    private void StartFlushing()
    {
        if (!_flushing)
        {
            // Runs on the grain's scheduler like any grain code; each waiting caller awaits its own task.
            _flushing = true;
            _ = FlushPending();
        }
    }

    /// <summary>Stores waiting sends and changes in batches, in seq order, until none wait; then seals what is due.</summary>
    private async Task FlushPending()
    {
        try
        {
            while (_pending.Count > 0 || _changes.Waiting || _compactionAsked)
            {
                _compactionAsked = false;
                if (_pending.Count > 0 && options.GroupCommitMaxDelay > TimeSpan.Zero && _pending.Count < options.GroupCommitMaxBatch)
                {
                    await Task.Delay(options.GroupCommitMaxDelay, clock);
                }

                var batch = _pending.GetRange(0, Math.Min(_pending.Count, Math.Max(1, options.GroupCommitMaxBatch)));
                _pending.RemoveRange(0, batch.Count);
                if (batch.Count > 0 && await Append(batch))
                {
                    await Publish(batch);
                    Stored?.Invoke([.. batch.Select(b => b.Message)]);
                }

                await _changes.Store();
                await _compaction.SealDue();
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
            _changes.RefuseAll(refused);
            _nextSeq = CommittedSeq + 1;
            deactivate();
        }
        finally
        {
            _flushing = false;
        }
    }

    /// <summary>
    /// Appends a batch to the journal, then acks it. On failure, the batch and every send queued behind it (their seqs
    /// would leave a gap) are refused with <c>unavailable</c>: nothing is acked that is not stored. Some of the batch may
    /// be stored all the same (storage failed mid-way, or another activation took a seq), so this activation steps down
    /// and the next reads what is there: a client retrying with its clientMessageId then gets the first ack.
    /// </summary>
    private async Task<bool> Append(List<PendingSend> batch)
    {
        var messages = new ChatMessage[batch.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = batch[i].Message;
        }

        try
        {
            // The reminder brings the channel back to hand over the awards of what is journalled, should the silo die first.
            await outbox.EnsureArmed();
            var sincePrevious = _lastAppendStarted is { } last ? clock.GetElapsedTime(last) : TimeSpan.MaxValue;
            _lastAppendStarted = clock.GetTimestamp();
            await journal.Append(_compaction.Address, messages, sincePrevious);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogWriteFailed(logger, ex, key.ToString(), messages[0].Seq, messages.Length);
            var refused = new CommunityException(ErrorCodes.Unavailable, "The message could not be stored; retry with the same clientMessageId.");
            foreach (var failed in batch.Concat(_pending))
            {
                _pendingByClientId.Remove(failed.Key);
                failed.Acked.TrySetException(refused);
            }

            ChatMetrics.SendsRefusedUnavailable.Add(batch.Count + _pending.Count);
            _pending.Clear();
            _nextSeq = CommittedSeq + 1;
            LogSteppingDown(logger, key.ToString());
            deactivate();
            return false;
        }

        _compaction.Appended(messages);
        S.LastSeq = CommittedSeq = messages[^1].Seq;
        ChatMetrics.StorageWrites.Add(1);
        ChatMetrics.MessagesStored.Add(messages.Length);
        ChatMetrics.BatchSize.Record(messages.Length);
        foreach (var sent in batch)
        {
            _dedupe.Remember(sent.Key, sent.Message);
            _pendingByClientId.Remove(sent.Key);
            sent.Acked.TrySetResult(new SendAck(sent.Message.Seq, sent.Message.MessageId));
        }

        return true;
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

    private sealed class PendingSend(SendKey key, ChatMessage message)
    {
        public SendKey Key { get; } = key;

        public ChatMessage Message { get; } = message;

        public TaskCompletionSource<SendAck> Acked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing seqs {From}-{To} on channel {Channel} failed; gateways will fill the gap from history")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string channel, long from, long to);

    [LoggerMessage(Level = LogLevel.Error, Message = "Journalling {Count} messages from seq {Seq} on channel {Channel} failed; the sends were refused and the activation steps down")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, string channel, long seq, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Channel {Channel} steps down: the next activation reads what storage holds")]
    private static partial void LogSteppingDown(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Error, Message = "The writer of channel {Channel} failed; waiting sends were refused")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, string channel);
}
