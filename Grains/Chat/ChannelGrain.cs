using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;
using CommunityScale.Moderation;
using CommunityScale.Moderation.Classifier;
using CommunityScale.Options;
using CommunityScale.Streams;
using CommunityScale.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;
using Orleans.Streams;

namespace CommunityScale.Chat;

[GenerateSerializer, Alias("cs.ChannelState")]
public sealed class ChannelState
{
    [Id(0)] public ChannelInfo? Info { get; set; }

    [Id(1)] public long LastSeq { get; set; }

    /// <summary>Every message with a seq up to this one is in a sealed history page.</summary>
    [Id(2)] public long SealedThroughSeq { get; set; }

    /// <summary>Messages SealedThroughSeq+1 .. LastSeq, in order. Bounded: it never exceeds two pages.</summary>
    [Id(3)] public List<ChatMessage> Tail { get; set; } = [];

    [Id(4)] public int PageSize { get; set; }

    /// <summary>Seconds a member must wait between messages; 0 = off. Set by moderators.</summary>
    [Id(5)] public int SlowModeSeconds { get; set; }

    /// <summary>
    /// Every message up to this seq has been handed to gamification and taken. Written with the next batch; on activation
    /// the tail after it is handed over again (awards are idempotent on the message), so no accepted message goes unscored.
    /// </summary>
    [Id(6)] public long ActivityThroughSeq { get; set; }
}

/// <summary>
/// The one place a chat message is accepted: validates, deduplicates, checks membership and rate, assigns the next
/// gap-free seq, stores, then publishes once on the channel stream. The ack returns only after the store.
/// Group commit: the grain is reentrant, so sends that arrive while a write is in flight queue up and are stored
/// together by the next write (at most <see cref="ChatOptions.GroupCommitMaxBatch"/>), then all acked.
/// </summary>
[Reentrant]
public sealed partial class ChannelGrain(
    [PersistentState("channel", StorageNames.Main)] IPersistentState<ChannelState> state,
    IOptions<ChatOptions> options,
    TimeProvider clock,
    IMessageClassifier classifier,
    ILogger<ChannelGrain> logger) : Grain, IChannelGrain
{
    private readonly ChatOptions _options = options.Value;
    private readonly Dictionary<string, (MemberInfo Member, DateTimeOffset Until)> _members = new(StringComparer.Ordinal);
    private readonly List<PendingSend> _pending = [];
    private readonly Dictionary<(string Author, string ClientMessageId), PendingSend> _pendingByClientId = [];
    private ModerationPipeline? _pipeline;
    private long _pipelineVersion = -1;
    private int _pipelineSlowMode;
    private DateTimeOffset _policyCheckedUntil;
    private ModerationPolicy _policy = ModerationPolicy.Default;
    private AutoSlowModeController _autoSlowMode = new(0);
    private int _autoSlowModeSeconds;
    private IGrainTimer? _autoSlowModeTimer;

    // Slow mode in force: the moderators' setting, or the automatic one while a burst lasts, whichever is longer.
    private int EffectiveSlowMode => Math.Max(S.SlowModeSeconds, _autoSlowModeSeconds);
    private SendDeduplicator _dedupe = null!;
    private IAsyncStream<ChannelStreamEvent> _stream = null!;
    private ChannelKey _key;
    private bool _flushing;

    // The last seq known to be in storage. Reads interleave with writes and must never show more than this.
    private long _committedSeq;

    // The seq the next accepted send gets: ahead of _committedSeq by the sends waiting for their write.
    private long _nextSeq;

    private ChannelState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ChannelKey.Parse(this.GetPrimaryKeyString());
        _dedupe = new SendDeduplicator(_options.DedupeCapacity);
        _committedSeq = S.LastSeq;
        _nextSeq = S.LastSeq + 1;
        foreach (var message in S.Tail)
        {
            _dedupe.Remember(message);
        }

        _stream = this.GetStreamProvider(StreamNames.Provider).GetStream<ChannelStreamEvent>(StreamNames.ForChannel(_key));
        AwardPoints([.. S.Tail.Where(m => m.Seq > S.ActivityThroughSeq && !m.Removed)]);
        return Task.CompletedTask;
    }

    public async Task Create(ChannelInfo info)
    {
        if (S.Info is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Channel '{_key.ChannelId}' already exists.");
        }

        S.Info = info;
        S.PageSize = _options.HistoryPageSize;
        await state.WriteStateAsync();
    }

    public Task<ChannelInfo> GetInfo() => Task.FromResult(RequireInfo());

    public async Task<SendAck> Send(SendMessageCommand command)
    {
        var info = RequireInfo();
        var text = MessageRules.RequireText(command.Text, info.MaxMessageLength);
        var clientMessageId = InputRules.RequireClientMessageId(command.ClientMessageId);
        if (TryFindEarlierSend(command.AuthorId, clientMessageId) is { } earlier)
        {
            return await earlier;
        }

        var now = clock.GetUtcNow();
        var member = await RequireMembership(command.AuthorId, now);
        var pipeline = await CurrentPipeline(now);
        // Those awaits may have let a retry of this very send be accepted meanwhile.
        if (TryFindEarlierSend(command.AuthorId, clientMessageId) is { } concurrent)
        {
            return await concurrent;
        }

        // Automatic moderation, before anything is accepted: the first refusing step wins and nothing changes.
        PostingRules.RequireMayPost(member, now);
        var input = PostingRules.InputFor(member, command.AuthorId, text, now);
        if (pipeline.Evaluate(input) is { } verdict)
        {
            ChatMetrics.ModerationRefusals.Add(1, new KeyValuePair<string, object?>("step", verdict.Step));
            if (verdict.Hold)
            {
                var held = await GrainFactory.GetGrain<IModerationQueueGrain>(_key.CommunityId)
                    .Hold(_key.ChannelId, command.AuthorId, command.AuthorName, text, clientMessageId, verdict.Reason);
                return new SendAck(0, held.Id, Held: true);
            }

            throw new CommunityException(verdict.Code, verdict.Reason);
        }

        pipeline.Accepted(input);
        await ApplyAutoSlowMode(_autoSlowMode.MessageAccepted(now));
        return await Enqueue(command.AuthorId, command.AuthorName, text, clientMessageId, now);
    }

    public async Task<SendAck> AcceptApproved(SendMessageCommand command)
    {
        RequireInfo();
        if (TryFindEarlierSend(command.AuthorId, command.ClientMessageId) is { } earlier)
        {
            return await earlier;
        }

        return await Enqueue(command.AuthorId, command.AuthorName, command.Text, command.ClientMessageId, clock.GetUtcNow());
    }

    /// <summary>Gives the message the next seq and hands it to the writer; completes when it is stored (the ack).</summary>
    private async Task<SendAck> Enqueue(string authorId, string authorName, string text, string clientMessageId, DateTimeOffset now)
    {
        var pending = new PendingSend(new ChatMessage(_key.CommunityId, _key.ChannelId, _nextSeq++, Guid.NewGuid().ToString("n"),
            authorId, authorName, text, now, clientMessageId));
        _pending.Add(pending);
        _pendingByClientId[(pending.Message.AuthorId, pending.Message.ClientMessageId)] = pending;
        if (!_flushing)
        {
            // Runs on this grain's scheduler like any grain code; each waiting send awaits its own ack.
            _flushing = true;
            _ = FlushPending();
        }

        return await pending.Acked.Task;
    }

    private Task<SendAck>? TryFindEarlierSend(string authorId, string clientMessageId) =>
        _dedupe.TryGet(authorId, clientMessageId, out var ack) ? Task.FromResult(ack)
        : _pendingByClientId.TryGetValue((authorId, clientMessageId), out var pending) ? pending.Acked.Task
        : null;

    /// <summary>
    /// The single writer: stores waiting sends in batches, in seq order, until none wait. Sends that arrive during a
    /// write form the next batch, so a hot channel makes one storage write per batch rather than per message.
    /// </summary>
    private async Task FlushPending()
    {
        try
        {
            while (_pending.Count > 0)
            {
                if (_options.GroupCommitMaxDelay > TimeSpan.Zero && _pending.Count < _options.GroupCommitMaxBatch)
                {
                    await Task.Delay(_options.GroupCommitMaxDelay, clock);
                }

                var batch = _pending.GetRange(0, Math.Min(_pending.Count, Math.Max(1, _options.GroupCommitMaxBatch)));
                _pending.RemoveRange(0, batch.Count);
                if (!await Commit(batch))
                {
                    continue;
                }

                foreach (var sent in batch)
                {
                    _pendingByClientId.Remove((sent.Message.AuthorId, sent.Message.ClientMessageId));
                    sent.Acked.TrySetResult(new SendAck(sent.Message.Seq, sent.Message.MessageId));
                }

                await Publish(batch);
                RecordActivity(batch);
                AwardPoints([.. batch.Select(b => b.Message)]);
                await SealFullPages();
            }
        }
        catch (Exception ex)
        {
            // Not expected (each step handles its own failures), but no send may be left waiting forever.
            LogFlushFailed(logger, ex, _key.ToString());
            var refused = new CommunityException(ErrorCodes.Unavailable, "The message could not be stored; retry with the same clientMessageId.");
            foreach (var failed in _pending)
            {
                failed.Acked.TrySetException(refused);
            }

            _pending.Clear();
            _pendingByClientId.Clear();
            _nextSeq = _committedSeq + 1;
            DeactivateOnIdle();
        }
        finally
        {
            _flushing = false;
        }
    }

    /// <summary>
    /// Stores a batch. On failure, memory is put back exactly as storage has it and the batch, with every send queued
    /// behind it (their seqs would leave a gap), is refused with <c>unavailable</c>: nothing is acked that is not stored.
    /// </summary>
    private async Task<bool> Commit(List<PendingSend> batch)
    {
        foreach (var sent in batch)
        {
            S.Tail.Add(sent.Message);
        }

        S.LastSeq = batch[^1].Message.Seq;
        try
        {
            await state.WriteStateAsync();
            _committedSeq = S.LastSeq;
            ChatMetrics.StorageWrites.Add(1);
            ChatMetrics.MessagesStored.Add(batch.Count);
            ChatMetrics.BatchSize.Record(batch.Count);
            foreach (var sent in batch)
            {
                _dedupe.Remember(sent.Message);
            }

            return true;
        }
        catch (Exception ex)
        {
            S.Tail.RemoveRange(S.Tail.Count - batch.Count, batch.Count);
            S.LastSeq = _committedSeq;
            LogWriteFailed(logger, ex, _key.ToString(), batch[0].Message.Seq, batch.Count);
            if (ex is InconsistentStateException)
            {
                // Another activation wrote this channel: this one's state is stale, so let a fresh activation take over.
                DeactivateOnIdle();
            }

            var refused = new CommunityException(ErrorCodes.Unavailable, "The message could not be stored; retry with the same clientMessageId.");
            foreach (var failed in batch.Concat(_pending))
            {
                _pendingByClientId.Remove((failed.Message.AuthorId, failed.Message.ClientMessageId));
                failed.Acked.TrySetException(refused);
            }

            ChatMetrics.SendsRefusedUnavailable.Add(batch.Count + _pending.Count);
            _pending.Clear();
            _nextSeq = _committedSeq + 1;
            return false;
        }
    }

    private async Task Publish(List<PendingSend> batch)
    {
        foreach (var sent in batch)
        {
            try
            {
                await _stream.OnNextAsync(new MessagePosted(sent.Message));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Live delivery may drop an event; gateways and clients fill the gap from history, so the ack stands.
                LogPublishFailed(logger, ex, _key.ToString(), sent.Message.Seq);
            }
        }
    }

    private sealed class PendingSend(ChatMessage message)
    {
        public ChatMessage Message { get; } = message;

        public TaskCompletionSource<SendAck> Acked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async Task<HistoryPage> GetHistory(long afterSeq, int limit)
    {
        RequireInfo();
        // Snapshot first: this call interleaves with sends, and only what is committed may be read.
        var lastSeq = _committedSeq;
        var sealedThrough = S.SealedThroughSeq;
        var tail = S.Tail.ToArray();
        var layout = new HistoryLayout(S.PageSize);

        var from = Math.Max(afterSeq, 0) + 1;
        var to = Math.Min(lastSeq, Math.Max(afterSeq, 0) + limit);
        var result = new List<ChatMessage>((int)Math.Max(0, to - from + 1));
        var seq = from;
        while (seq <= to && seq <= sealedThrough)
        {
            var pageIndex = layout.PageIndexOf(seq);
            var page = await GrainFactory.GetGrain<IHistoryPageGrain>(HistoryLayout.PageKey(_key, pageIndex)).Read();
            foreach (var message in page)
            {
                if (message.Seq >= seq && message.Seq <= to)
                {
                    result.Add(message);
                }
            }

            seq = layout.FirstSeqOf(pageIndex + 1);
        }

        foreach (var message in tail)
        {
            if (message.Seq >= seq && message.Seq <= to)
            {
                result.Add(message);
            }
        }

        return new HistoryPage(lastSeq, result, to < lastSeq);
    }

    public Task<HistoryPage> GetRecent(int count) => GetHistory(Math.Max(0, _committedSeq - count), count);

    public Task<long> GetLastSeq() => Task.FromResult(_committedSeq);

    private ChannelInfo RequireInfo() => S.Info ?? throw CommunityException.NotFound($"Channel '{_key}'");

    private async Task<MemberInfo> RequireMembership(string userId, DateTimeOffset now)
    {
        if (_members.TryGetValue(userId, out var cached) && cached.Until > now)
        {
            return cached.Member;
        }

        var member = await GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(_key.CommunityId, userId)).Get()
            ?? throw new CommunityException(ErrorCodes.NotMember, $"Join community '{_key.CommunityId}' before sending messages in it.");
        if (_members.Count > 10_000)
        {
            _members.Clear();
        }

        _members[userId] = (member, now + _options.MembershipCacheDuration);
        return member;
    }

    /// <summary>
    /// The compiled moderation pipeline for the community's current policy and this channel's slow mode. The policy is
    /// asked for at most every <see cref="ChatOptions.PolicyRefreshInterval"/> and recompiled only when its version changed.
    /// </summary>
    private async Task<ModerationPipeline> CurrentPipeline(DateTimeOffset now)
    {
        if (_pipeline is not null && now < _policyCheckedUntil && _pipelineSlowMode == EffectiveSlowMode)
        {
            return _pipeline;
        }

        if (_pipeline is null || now >= _policyCheckedUntil)
        {
            var policy = await GrainFactory.GetGrain<IModerationPolicyGrain>(_key.CommunityId).Get();
            _policyCheckedUntil = now + _options.PolicyRefreshInterval;
            if (policy.AutoSlowModeThreshold != _policy.AutoSlowModeThreshold || _pipeline is null)
            {
                _autoSlowMode = new AutoSlowModeController(policy.AutoSlowModeThreshold);
            }

            _policy = policy;
        }

        if (_pipeline is null || _policy.Version != _pipelineVersion || _pipelineSlowMode != EffectiveSlowMode)
        {
            _pipeline = ModerationPipeline.Build(_policy, EffectiveSlowMode, _options.RateLimitCount, _options.RateLimitWindow, classifier).CarryMemoryFrom(_pipeline);
            _pipelineVersion = _policy.Version;
            _pipelineSlowMode = EffectiveSlowMode;
        }

        return _pipeline;
    }

    public async Task<ChannelInfo> SetSlowMode(int seconds, Actor caller)
    {
        RequireInfo();
        if (seconds is < 0 or > MaxSlowModeSeconds)
        {
            throw CommunityException.Invalid($"Slow mode must be between 0 (off) and {MaxSlowModeSeconds} seconds.");
        }

        await ModerationRoles.RequireModerator(GrainFactory, _key.CommunityId, caller);
        S.SlowModeSeconds = seconds;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IAuditLogGrain>(_key.CommunityId).Append(caller.UserId, "slow_mode", _key.ChannelId, seconds == 0 ? "off" : $"{seconds} s");
        return RequireInfo();
    }

    public Task<int> GetSlowMode() => Task.FromResult(EffectiveSlowMode);

    /// <summary>Switches automatic slow mode on or off as the controller decided, audited like a moderator's change.</summary>
    private async Task ApplyAutoSlowMode(AutoSlowModeChange change)
    {
        switch (change)
        {
            case AutoSlowModeChange.TurnOn:
                _autoSlowModeSeconds = _policy.AutoSlowModeSeconds;
                _autoSlowModeTimer ??= this.RegisterGrainTimer(
                    _ => ApplyAutoSlowMode(_autoSlowMode.Evaluate(clock.GetUtcNow())),
                    new GrainTimerCreationOptions(AutoSlowModeController.Window, AutoSlowModeController.Window) { Interleave = true });
                await GrainFactory.GetGrain<IAuditLogGrain>(_key.CommunityId).Append("auto-moderation", "auto_slow_mode", _key.ChannelId,
                    $"on: {_autoSlowMode.RecentMessages} messages in {AutoSlowModeController.Window.TotalSeconds:0} s; {_autoSlowModeSeconds} s between messages");
                break;
            case AutoSlowModeChange.TurnOff:
                _autoSlowModeSeconds = 0;
                _autoSlowModeTimer?.Dispose();
                _autoSlowModeTimer = null;
                await GrainFactory.GetGrain<IAuditLogGrain>(_key.CommunityId).Append("auto-moderation", "auto_slow_mode", _key.ChannelId,
                    $"off: calm for {AutoSlowModeController.CoolDown.TotalSeconds:0} s");
                break;
        }
    }

    public async Task<MessageRemovedNotice> RemoveMessage(long seq, string reason, Actor moderator)
    {
        RequireInfo();
        await ModerationRoles.RequireModerator(GrainFactory, _key.CommunityId, moderator);
        var original = await Hide(seq);
        await GrainFactory.GetGrain<IAuditLogGrain>(_key.CommunityId).Append(moderator.UserId, "remove_message", $"{_key.ChannelId}#{seq} by {original.AuthorId}", reason);
        // History keeps only the message's place; the queue keeps the original for a while so a moderator can restore it.
        await GrainFactory.GetGrain<IModerationQueueGrain>(_key.CommunityId).Archive(original);
        return new MessageRemovedNotice(_key.CommunityId, _key.ChannelId, seq, original.MessageId);
    }

    public async Task<ChatMessage> Hide(long seq)
    {
        RequireInfo();
        if (seq < 1 || seq > _committedSeq)
        {
            throw CommunityException.NotFound($"Message {seq} in channel '{_key}'");
        }

        ChatMessage original;
        var index = S.Tail.FindIndex(m => m.Seq == seq);
        if (index >= 0)
        {
            original = S.Tail[index];
            if (!original.Removed)
            {
                S.Tail[index] = original.AsRemoved();
                await state.WriteStateAsync();
            }
        }
        else
        {
            original = await Page(seq).Redact(seq) ?? throw CommunityException.NotFound($"Message {seq} in channel '{_key}'");
        }

        await PublishChange(new MessageRemoved(new MessageRemovedNotice(_key.CommunityId, _key.ChannelId, seq, original.MessageId)), seq);
        // What the message earned goes, too: removed content must not pay.
        _ = TakeBackPoints(original);
        return original;
    }

    public async Task Restore(ChatMessage original)
    {
        RequireInfo();
        var index = S.Tail.FindIndex(m => m.Seq == original.Seq && m.MessageId == original.MessageId);
        if (index >= 0)
        {
            if (S.Tail[index].Removed)
            {
                S.Tail[index] = original with { Removed = false };
                await state.WriteStateAsync();
            }
        }
        else if (!await Page(original.Seq).Restore(original))
        {
            throw CommunityException.NotFound($"Message {original.Seq} in channel '{_key}'");
        }

        await PublishChange(new MessageRestored(original with { Removed = false }), original.Seq);
    }

    private async Task TakeBackPoints(ChatMessage original)
    {
        try
        {
            await GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(_key.CommunityId, original.AuthorId)).TakeBack(PointsSource(original));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAwardFailed(logger, ex, _key.ToString(), original.Seq);
        }
    }

    private IHistoryPageGrain Page(long seq) =>
        GrainFactory.GetGrain<IHistoryPageGrain>(HistoryLayout.PageKey(_key, new HistoryLayout(S.PageSize).PageIndexOf(seq)));

    private async Task PublishChange(ChannelStreamEvent change, long seq)
    {
        try
        {
            await _stream.OnNextAsync(change);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPublishFailed(logger, ex, _key.ToString(), seq);
        }
    }

    /// <summary>
    /// Hands accepted messages to gamification, one call per author, after the acks (a send never waits for points).
    /// The hand-overs run one after another, so the cursor only passes messages whose awards were taken.
    /// </summary>
    private void AwardPoints(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var previous = _awarding;
        _awarding = AwardAfter(previous, messages);
    }

    private async Task AwardAfter(Task previous, IReadOnlyList<ChatMessage> messages)
    {
        await previous;
        try
        {
            await Task.WhenAll(messages.GroupBy(m => m.AuthorId, StringComparer.Ordinal).Select(byAuthor =>
                GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(_key.CommunityId, byAuthor.Key)).Record(
                    [.. byAuthor.Select(m => new ActivityEvent(PointsSource(m), _key.CommunityId, m.AuthorId, m.AuthorName, ActionKinds.MessageAccepted, m.SentAt, _key.ChannelId))])));
            S.ActivityThroughSeq = Math.Max(S.ActivityThroughSeq, messages[^1].Seq);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not lost: the cursor stays, and the next activation hands these messages over again.
            LogAwardFailed(logger, ex, _key.ToString(), messages[0].Seq);
        }
    }

    private static string PointsSource(ChatMessage message) => $"msg:{message.MessageId}";

    private Task _awarding = Task.CompletedTask;

    /// <summary>Counts accepted messages towards each author's trust, without waiting (a one-way call per author per batch).</summary>
    private void RecordActivity(List<PendingSend> batch)
    {
        var levels = _policy.TrustLevels ?? ModerationPolicy.DefaultTrustLevels;
        foreach (var byAuthor in batch.GroupBy(s => s.Message.AuthorId, StringComparer.Ordinal))
        {
            _ = GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(_key.CommunityId, byAuthor.Key)).RecordActivity(byAuthor.Count(), byAuthor.Last().Message.SentAt, levels);
        }
    }

    private const int MaxSlowModeSeconds = 6 * 60 * 60;

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
        var layout = new HistoryLayout(S.PageSize);
        var page = S.Tail.GetRange(0, S.PageSize);
        var pageIndex = layout.PageIndexOf(page[0].Seq);
        try
        {
            await GrainFactory.GetGrain<IHistoryPageGrain>(HistoryLayout.PageKey(_key, pageIndex)).Seal(page);
            S.Tail.RemoveRange(0, S.PageSize);
            S.SealedThroughSeq = page[^1].Seq;
            await state.WriteStateAsync();
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The messages are already durable in the tail; sealing is retried after the next send.
            LogSealFailed(logger, ex, _key.ToString(), pageIndex);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing seq {Seq} on channel {Channel} failed; gateways will fill the gap from history")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string channel, long seq);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing {Count} messages from seq {Seq} on channel {Channel} failed; the sends were refused")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, string channel, long seq, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The writer of channel {Channel} failed; waiting sends were refused")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handing messages from seq {Seq} of channel {Channel} to gamification failed; will retry on the next activation")]
    private static partial void LogAwardFailed(ILogger logger, Exception ex, string channel, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sealing page {Page} of channel {Channel} failed; will retry")]
    private static partial void LogSealFailed(ILogger logger, Exception ex, string channel, long page);
}
