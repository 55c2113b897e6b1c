using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;
using CommunityScale.Moderation;
using CommunityScale.Moderation.Classifier;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Streams;
using CommunityScale.Telemetry;
using Microsoft.Extensions.DependencyInjection;
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

    /// <summary>Retention: sealed pages below this index hold only tombstones already.</summary>
    [Id(7)] public long PurgedBeforePage { get; set; }
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
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IMessageClassifier classifier,
    ILogger<ChannelGrain> logger) : Grain, IChannelGrain
{
    private readonly ChatOptions _options = options.Value;
    private readonly Dictionary<string, (MemberInfo Member, DateTimeOffset Until)> _members = new(StringComparer.Ordinal);
    private readonly List<PendingSend> _pending = [];
    private readonly List<TailChange> _changes = [];
    // The last reaction in progress: each waits for the one before (grain code is single-threaded, so a chain is a lock).
    private Task _reactionTurn = Task.CompletedTask;
    private readonly SlidingWindowRateLimiter _reactionLimiter = new(30, TimeSpan.FromSeconds(10));
    private Threads.ForumSettings _reactionSettings = Threads.ForumSettings.Default;
    private DateTimeOffset _reactionSettingsUntil;
    private ModerationPipeline? _contentPipeline;
    private long _contentPipelineVersion = -1;
    private readonly Dictionary<(string Author, string ClientMessageId), PendingSend> _pendingByClientId = [];
    private ModerationPipeline? _pipeline;
    private long _pipelineVersion = -1;
    private int _pipelineSlowMode;
    private DateTimeOffset _policyCheckedUntil;
    private ModerationPolicy _policy = ModerationPolicy.Default;

    // Refreshed with the policy: whether any webhook wants accepted messages, so a batch nobody subscribed to costs nothing.
    private bool _webhooksWantMessages;
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
        PostingRules.RequireConsent(member, _policy.GuidelinesVersion);
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

        // Bound before the seq is given: a refused binding (not your upload, already used) refuses the send and stores nothing.
        var attachments = await AttachAll(command, clientMessageId);
        // Binding awaited: a retry of this send may have got in meanwhile (binding to the same target is idempotent).
        if (attachments is not null && TryFindEarlierSend(command.AuthorId, clientMessageId) is { } raced)
        {
            return await raced;
        }

        pipeline.Accepted(input);
        // Queued (and findable by its client id) before the auto-slow-mode audit is awaited, so no retry slips in there.
        var ack = Enqueue(command.AuthorId, command.AuthorName, text, clientMessageId, now, attachments);
        await ApplyAutoSlowMode(_autoSlowMode.MessageAccepted(now));
        return await ack;
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
    private async Task<SendAck> Enqueue(string authorId, string authorName, string text, string clientMessageId, DateTimeOffset now,
        IReadOnlyList<Threads.AttachmentInfo>? attachments = null)
    {
        var pending = new PendingSend(new ChatMessage(_key.CommunityId, _key.ChannelId, _nextSeq++, Guid.NewGuid().ToString("n"),
            authorId, authorName, text, now, clientMessageId, Attachments: attachments));
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

    private async Task<IReadOnlyList<Threads.AttachmentInfo>?> AttachAll(SendMessageCommand command, string clientMessageId)
    {
        // Most sends carry no files: they must not pay for a list and a distinct pass.
        if (command.AttachmentIds is not { Count: > 0 })
        {
            return null;
        }

        // Every id is checked before any is bound: a bad one must not leave the good ones bound to a refused send.
        var ids = command.AttachmentIds.Select(id => InputRules.RequireId(id, "attachment id")).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count > Threads.AttachmentGrain.MaxPerPost)
        {
            throw CommunityException.Invalid($"A message carries at most {Threads.AttachmentGrain.MaxPerPost} attachments.");
        }

        var author = new Actor(command.AuthorId, command.AuthorName);
        var target = $"channel:{_key.ChannelId}:{command.AuthorId}/{clientMessageId}";
        return await Task.WhenAll(ids.Select(id => GrainFactory.GetGrain<Threads.IAttachmentGrain>($"{_key.CommunityId}/{id}").Attach(target, author)));
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
            while (_pending.Count > 0 || _changes.Count > 0)
            {
                if (_pending.Count > 0 && _options.GroupCommitMaxDelay > TimeSpan.Zero && _pending.Count < _options.GroupCommitMaxBatch)
                {
                    await Task.Delay(_options.GroupCommitMaxDelay, clock);
                }

                // Edits, reactions and removals of tail messages ride on the same write as the batch: one writer, no
                // concurrent writes of the channel's state.
                // Most batches carry no changes: they allocate nothing for them.
                var changes = _changes.Count == 0 ? NoChanges : _changes.ToList();
                _changes.Clear();
                var undo = changes.Count == 0 ? NoUndo : ApplyChanges(changes);
                var batch = _pending.GetRange(0, Math.Min(_pending.Count, Math.Max(1, _options.GroupCommitMaxBatch)));
                _pending.RemoveRange(0, batch.Count);
                var stored = batch.Count > 0 ? await Commit(batch) : undo.Count == 0 || await WriteChanges();
                if (!stored)
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
                    change.Done.TrySetResult(change.Found);
                }

                if (batch.Count == 0)
                {
                    continue;
                }

                foreach (var sent in batch)
                {
                    _pendingByClientId.Remove((sent.Message.AuthorId, sent.Message.ClientMessageId));
                    sent.Acked.TrySetResult(new SendAck(sent.Message.Seq, sent.Message.MessageId));
                }

                await Publish(batch);
                if (_webhooksWantMessages)
                {
                    Integrations.Webhooks.Raise(GrainFactory, _key.CommunityId, Integrations.WebhookEventKinds.MessageAccepted, batch[^1].Message.SentAt,
                        [.. batch.Select(b => (object)b.Message)]);
                }
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
            foreach (var change in _changes)
            {
                change.Done.TrySetException(refused);
            }

            _changes.Clear();
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
            LogPublishFailed(logger, ex, _key.ToString(), batch[0].Message.Seq, batch[^1].Message.Seq);
        }
    }

    /// <summary>
    /// Changes a tail message through the writer; false when the message is not in the tail (sealed into a page, where
    /// the page grain changes it). <paramref name="change"/> sees the message as it is then, so changes never overwrite
    /// each other; returning the same instance means "nothing to change".
    /// </summary>
    private Task<bool> ChangeInTail(long seq, Func<ChatMessage, ChatMessage> change)
    {
        var pending = new TailChange(seq, change);
        _changes.Add(pending);
        if (!_flushing)
        {
            _flushing = true;
            _ = FlushPending();
        }

        return pending.Done.Task;
    }

    private static readonly List<TailChange> NoChanges = [];
    private static readonly List<Action> NoUndo = [];

    private List<Action> ApplyChanges(List<TailChange> changes)
    {
        var undo = new List<Action>();
        foreach (var change in changes)
        {
            var index = S.Tail.FindIndex(m => m.Seq == change.Seq);
            change.Found = index >= 0;
            if (index < 0)
            {
                continue;
            }

            var before = S.Tail[index];
            var after = change.Change(before);
            if (!ReferenceEquals(before, after))
            {
                S.Tail[index] = after;
                undo.Add(() => S.Tail[index] = before);
            }
        }

        return undo;
    }

    private async Task<bool> WriteChanges()
    {
        try
        {
            await state.WriteStateAsync();
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogChangeFailed(logger, ex, _key.ToString());
            if (ex is InconsistentStateException)
            {
                DeactivateOnIdle();
            }

            return false;
        }
    }

    private sealed class TailChange(long seq, Func<ChatMessage, ChatMessage> change)
    {
        public long Seq { get; } = seq;

        public Func<ChatMessage, ChatMessage> Change { get; } = change;

        public bool Found { get; set; }

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
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
            _webhooksWantMessages = (await GrainFactory.GetGrain<Integrations.IWebhookRegistryGrain>(_key.CommunityId).GetWantedKinds())
                .Contains(Integrations.WebhookEventKinds.MessageAccepted, StringComparer.Ordinal);
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

    public async Task<MessageRemovedNotice> RemoveMessage(long seq, string reason, Actor caller, bool authorMayRemove = false)
    {
        RequireInfo();
        var current = await Read(seq);
        if (current.Removed)
        {
            return new MessageRemovedNotice(_key.CommunityId, _key.ChannelId, seq, current.MessageId);
        }

        if (authorMayRemove && current.AuthorId == caller.UserId)
        {
            // Taking back your own words needs no moderator and leaves no audit entry.
            var own = await Hide(seq);
            return new MessageRemovedNotice(_key.CommunityId, _key.ChannelId, seq, own.MessageId);
        }

        await ModerationRoles.RequireModerator(GrainFactory, _key.CommunityId, caller);
        var original = await Hide(seq);
        await GrainFactory.GetGrain<IAuditLogGrain>(_key.CommunityId).Append(caller.UserId, "remove_message", $"{_key.ChannelId}#{seq} by {original.AuthorId}", reason);
        // History keeps only the message's place; the queue keeps the original for a while so a moderator can restore it.
        await GrainFactory.GetGrain<IModerationQueueGrain>(_key.CommunityId).Archive(original);
        return new MessageRemovedNotice(_key.CommunityId, _key.ChannelId, seq, original.MessageId);
    }

    public async Task<ChatMessage> EditMessage(long seq, string text, Actor editor)
    {
        var info = RequireInfo();
        var newText = MessageRules.RequireText(text, info.MaxMessageLength);
        var current = await Read(seq);
        if (current.Removed)
        {
            throw CommunityException.NotFound($"Message {seq} in channel '{_key}' was removed; it");
        }

        if (current.AuthorId != editor.UserId)
        {
            throw new CommunityException(ErrorCodes.Forbidden, "Only the author may edit a message.");
        }

        var now = clock.GetUtcNow();
        var member = await RequireMembership(editor.UserId, now);
        PostingRules.RequireMayPost(member, now);
        PostingRules.RequireConsent(member, _policy.GuidelinesVersion);
        // The content rules apply to the new text; the rate rules (slow mode, flood, duplicates) are about sending, not editing.
        var content = await ContentPipeline(now);
        if (content.Evaluate(PostingRules.InputFor(member, editor.UserId, newText, now)) is { } verdict)
        {
            throw verdict.Hold
                ? new CommunityException(ErrorCodes.BlockedContent, $"This text needs a moderator's review ({verdict.Reason}); the message was not changed.")
                : new CommunityException(verdict.Code, verdict.Reason);
        }

        ChatMessage? edited = null;
        if (!await ChangeInTail(seq, m => edited = m.Removed ? m : m with { Text = newText, EditedAt = now }))
        {
            edited = await Page(seq).Edit(seq, newText, now);
        }

        if (edited is null || edited.Removed)
        {
            throw CommunityException.NotFound($"Message {seq} in channel '{_key}'");
        }

        await PublishChange(new MessageEdited(edited), seq);
        return edited;
    }

    public async Task<MessageReactionCounts> React(long seq, string emoji, bool on, Actor caller)
    {
        RequireInfo();
        var now = clock.GetUtcNow();
        var allowed = await ReactionSet(now);
        if (emoji is null || !allowed.Contains(emoji, StringComparer.Ordinal))
        {
            throw CommunityException.Invalid($"Unknown reaction; this community allows {string.Join(", ", allowed)}.");
        }

        PostingRules.RequireMayPost(await RequireMembership(caller.UserId, now), now);
        if (!_reactionLimiter.TryAcquire(caller.UserId, now, out var retryAfter))
        {
            throw new CommunityException(ErrorCodes.RateLimited, $"Too many reactions; try again in {Math.Ceiling(retryAfter.TotalSeconds):0} s.");
        }

        // One reaction at a time per channel: the counts written to the message are always the reactions grain's latest.
        var previous = _reactionTurn;
        var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _reactionTurn = turn.Task;
        await previous;
        try
        {
            var current = await Read(seq);
            if (current.Removed)
            {
                throw CommunityException.NotFound($"Message {seq} in channel '{_key}' was removed; it");
            }

            var toggle = await Reactions(seq).Toggle(seq, emoji, caller.UserId, on);
            if (toggle.Changed)
            {
                var counts = toggle.Counts;
                if (!await ChangeInTail(seq, m => m.Removed ? m : m with { Reactions = counts.Count == 0 ? null : counts }))
                {
                    await Page(seq).SetReactions(seq, counts);
                }

                await PublishChange(new MessageReactionsChanged(new MessageReactionCounts(_key.CommunityId, _key.ChannelId, seq, counts, null)), seq);
                if (current.AuthorId != caller.UserId)
                {
                    _ = on ? AwardReaction(current, caller, emoji, now) : TakeBackSource(current.AuthorId, ReactionSource(current, caller.UserId, emoji));
                }
            }

            return new MessageReactionCounts(_key.CommunityId, _key.ChannelId, seq, toggle.Counts, toggle.Mine);
        }
        finally
        {
            turn.SetResult();
        }
    }

    /// <summary>A committed message, from the tail or its sealed page; <c>not_found</c> otherwise.</summary>
    private async Task<ChatMessage> Read(long seq)
    {
        if (seq < 1 || seq > _committedSeq)
        {
            throw CommunityException.NotFound($"Message {seq} in channel '{_key}'");
        }

        return S.Tail.Find(m => m.Seq == seq)
            ?? (await Page(seq).Read()).FirstOrDefault(m => m.Seq == seq)
            ?? throw CommunityException.NotFound($"Message {seq} in channel '{_key}'");
    }

    private async Task<ModerationPipeline> ContentPipeline(DateTimeOffset now)
    {
        await CurrentPipeline(now);
        if (_contentPipeline is null || _contentPipelineVersion != _policy.Version)
        {
            _contentPipeline = ModerationPipeline.BuildContentRules(_policy, classifier);
            _contentPipelineVersion = _policy.Version;
        }

        return _contentPipeline;
    }

    /// <summary>The community's reaction set (its forum settings), asked for at most every 30 s.</summary>
    private async Task<IReadOnlyList<string>> ReactionSet(DateTimeOffset now)
    {
        if (now >= _reactionSettingsUntil)
        {
            _reactionSettings = await GrainFactory.GetGrain<Threads.IThreadDirectoryGrain>(_key.CommunityId).GetSettings();
            _reactionSettingsUntil = now + TimeSpan.FromSeconds(30);
        }

        return _reactionSettings.Reactions;
    }

    private IMessageReactionsGrain Reactions(long seq) =>
        GrainFactory.GetGrain<IMessageReactionsGrain>(HistoryLayout.PageKey(_key, new HistoryLayout(S.PageSize).PageIndexOf(seq)));

    private async Task AwardReaction(ChatMessage message, Actor reactor, string emoji, DateTimeOffset now)
    {
        try
        {
            await GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(_key.CommunityId, message.AuthorId)).Record(
                [new ActivityEvent(ReactionSource(message, reactor.UserId, emoji), _key.CommunityId, message.AuthorId, message.AuthorName, ActionKinds.ReactionReceived, now, _key.ChannelId, reactor.UserId)]);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAwardFailed(logger, ex, _key.ToString(), message.Seq);
        }
    }

    public async Task<MemberTrace> CollectMember(string userId)
    {
        RequireInfo();
        var traces = new List<MemberTrace> { MemberTrace.Empty with { Messages = [.. S.Tail.Where(m => m.AuthorId == userId)] } };
        foreach (var page in SealedPages())
        {
            traces.Add(await GrainFactory.GetGrain<IHistoryPageGrain>(HistoryLayout.PageKey(_key, page)).CollectMember(userId));
        }

        foreach (var page in ReactionPages())
        {
            traces.Add(await GrainFactory.GetGrain<IMessageReactionsGrain>(HistoryLayout.PageKey(_key, page)).CollectMember(userId));
        }

        var all = MemberTrace.MergeAll(traces);
        return all with { Messages = [.. all.Messages.DistinctBy(m => m.Seq).OrderBy(m => m.Seq)] };
    }

    /// <summary>
    /// Erasure: the member's messages become tombstones (the tail first, then the sealed pages, so a message sealed
    /// meanwhile is caught on its page), everyone sees them removed, and the reactor lists forget the member. The grain
    /// then deactivates, dropping every in-memory trace (membership cache, duplicate and flood memories).
    /// </summary>
    public async Task EraseMember(string userId, string pseudonym)
    {
        RequireInfo();
        _toAward.RemoveAll(m => m.AuthorId == userId);
        foreach (var seq in S.Tail.Where(m => m.AuthorId == userId).Select(m => m.Seq).ToList())
        {
            await ChangeInTail(seq, m => m.AuthorId == userId ? Tombstones.Of(m) : m);
            await PublishChange(new MessageRemoved(new MessageRemovedNotice(_key.CommunityId, _key.ChannelId, seq, "")), seq);
        }

        var names = new Pseudonym(userId, "", pseudonym);
        foreach (var mention in S.Tail.Where(m => m.AuthorId != userId && names.Scrub(m.Text) != m.Text).Select(m => m.Seq).ToList())
        {
            await ChangeInTail(mention, m => Tombstones.WithoutMention(m, names.Scrub));
        }

        foreach (var page in SealedPages())
        {
            await GrainFactory.GetGrain<IHistoryPageGrain>(HistoryLayout.PageKey(_key, page)).EraseMember(userId, pseudonym);
        }

        foreach (var page in ReactionPages())
        {
            var reactions = GrainFactory.GetGrain<IMessageReactionsGrain>(HistoryLayout.PageKey(_key, page));
            await ForgetReactorInPoints((await reactions.CollectMember(userId)).Reactions, userId, pseudonym);
            await reactions.EraseMember(userId, pseudonym);
        }

        _members.Remove(userId);
        DeactivateOnIdle();
    }

    /// <summary>The authors the member reacted to remember them for farming checks: they get the pseudonym instead.</summary>
    private async Task ForgetReactorInPoints(IReadOnlyList<ReactionGiven> reactions, string userId, string pseudonym)
    {
        var authors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reaction in reactions)
        {
            var message = S.Tail.Find(m => m.Seq == reaction.Seq)
                ?? (await Page(reaction.Seq).Read()).FirstOrDefault(m => m.Seq == reaction.Seq);
            if (message is { AuthorId.Length: > 0 })
            {
                authors.Add(message.AuthorId);
            }
        }

        foreach (var author in authors)
        {
            await GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(_key.CommunityId, author)).ForgetReactor(userId, pseudonym);
        }
    }

    public async Task<int> Purge(DateTimeOffset before)
    {
        RequireInfo();
        var purged = 0;
        foreach (var seq in S.Tail.Where(m => m.SentAt < before && m.AuthorId.Length > 0).Select(m => m.Seq).ToList())
        {
            purged += await ChangeInTail(seq, m => m.SentAt < before ? Tombstones.Of(m) : m) ? 1 : 0;
        }

        var layout = new HistoryLayout(S.PageSize);
        while (S.SealedThroughSeq > 0 && S.PurgedBeforePage <= layout.PageIndexOf(S.SealedThroughSeq))
        {
            var page = S.PurgedBeforePage;
            if (!await GrainFactory.GetGrain<IHistoryPageGrain>(HistoryLayout.PageKey(_key, page)).Purge(before))
            {
                break;
            }

            await GrainFactory.GetGrain<IMessageReactionsGrain>(HistoryLayout.PageKey(_key, page)).ClearThrough(layout.FirstSeqOf(page + 1) - 1);
            S.PurgedBeforePage = page + 1;
            purged += S.PageSize;
        }

        await state.WriteStateAsync();
        return purged;
    }

    private IEnumerable<long> SealedPages() =>
        S.SealedThroughSeq == 0 ? [] : LongRange(0, new HistoryLayout(S.PageSize).PageIndexOf(S.SealedThroughSeq));

    private IEnumerable<long> ReactionPages() => _committedSeq == 0 ? [] : LongRange(0, new HistoryLayout(S.PageSize).PageIndexOf(_committedSeq));

    private static IEnumerable<long> LongRange(long first, long last)
    {
        for (var i = first; i <= last; i++)
        {
            yield return i;
        }
    }

    private static string ReactionSource(ChatMessage message, string reactor, string emoji) => $"reaction:{message.MessageId}:{reactor}:{emoji}";

    public async Task<ChatMessage> Hide(long seq)
    {
        RequireInfo();
        if (seq < 1 || seq > _committedSeq)
        {
            throw CommunityException.NotFound($"Message {seq} in channel '{_key}'");
        }

        ChatMessage? original = null;
        if (!await ChangeInTail(seq, m => (original = m).Removed ? m : m.AsRemoved()))
        {
            original = await Page(seq).Redact(seq) ?? throw CommunityException.NotFound($"Message {seq} in channel '{_key}'");
        }

        var notice = new MessageRemovedNotice(_key.CommunityId, _key.ChannelId, seq, original!.MessageId);
        await PublishChange(new MessageRemoved(notice), seq);
        Integrations.Webhooks.Raise(GrainFactory, _key.CommunityId, Integrations.WebhookEventKinds.MessageRemoved, clock.GetUtcNow(), notice);
        // What the message earned goes, too: removed content must not pay. Its files stop being served.
        _ = TakeBackAfterAwards(original!);
        _ = RevokeAttachments(original!);
        return original!;
    }

    public async Task Restore(ChatMessage original)
    {
        RequireInfo();
        var restored = original with { Removed = false };
        // A tombstone (erased or purged: no author any more) stays one, whatever an archive still holds.
        if (!await ChangeInTail(original.Seq, m => m.MessageId == original.MessageId && m.Removed && m.AuthorId == original.AuthorId ? restored : m)
            && !await Page(original.Seq).Restore(original))
        {
            throw CommunityException.NotFound($"Message {original.Seq} in channel '{_key}'");
        }

        await PublishChange(new MessageRestored(original with { Removed = false }), original.Seq);
    }

    private async Task TakeBackPoints(ChatMessage original)
    {
        await TakeBackSource(original.AuthorId, PointsSource(original));
        try
        {
            foreach (var (reactor, emoji) in await Reactions(original.Seq).Clear(original.Seq))
            {
                await TakeBackSource(original.AuthorId, ReactionSource(original, reactor, emoji));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAwardFailed(logger, ex, _key.ToString(), original.Seq);
        }
    }

    private async Task RevokeAttachments(ChatMessage message)
    {
        foreach (var attachment in message.Attachments ?? [])
        {
            try
            {
                await GrainFactory.GetGrain<Threads.IAttachmentGrain>($"{_key.CommunityId}/{attachment.Id}").Revoke();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogTakeBackFailed(logger, ex, _key.ToString(), $"attachment:{attachment.Id}");
            }
        }
    }

    private async Task TakeBackSource(string authorId, string source)
    {
        try
        {
            await GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(_key.CommunityId, authorId)).TakeBack(source);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogTakeBackFailed(logger, ex, _key.ToString(), source);
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
            LogPublishFailed(logger, ex, _key.ToString(), seq, seq);
        }
    }

    /// <summary>
    /// Hands accepted messages to gamification after the acks (a send never waits for points), in rounds: a round carries
    /// everything accepted since the previous one, one call per author, and a new round starts at most once per
    /// <see cref="ChatOptions.AwardRoundInterval"/>. A quiet channel's message scores at once; a hot channel costs each
    /// author's points grain one storage write per interval rather than one per batch, and a backlog is one list, not a
    /// chain of waiting tasks. Rounds run one after another, so the cursor only passes messages whose awards were taken.
    /// </summary>
    private void AwardPoints(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        _toAward.AddRange(messages);
        if (_awarding.IsCompleted)
        {
            _awarding = AwardRounds();
        }
    }

    private async Task AwardRounds()
    {
        while (_toAward.Count > 0)
        {
            var wait = _lastAwardRound + _options.AwardRoundInterval - clock.GetUtcNow();
            if (wait > TimeSpan.Zero && !_awardNow.Task.IsCompleted)
            {
                // Deactivating completes _awardNow: the waiting messages are then handed over at once.
                await Task.WhenAny(Task.Delay(wait, clock), _awardNow.Task);
            }

            _lastAwardRound = clock.GetUtcNow();
            var round = _toAward.GetRange(0, Math.Min(_toAward.Count, MaxAwardRound));
            _toAward.RemoveRange(0, round.Count);
            try
            {
                // A few authors at a time: each call ends in a storage write, and a burst of them would queue this
                // channel's own next write (and the acks waiting on it) behind all of them.
                foreach (var authors in round.GroupBy(m => m.AuthorId, StringComparer.Ordinal).Chunk(AwardCallsInFlight))
                {
                    await Task.WhenAll(authors.Select(byAuthor =>
                        GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(_key.CommunityId, byAuthor.Key)).Record(
                            [.. byAuthor.Select(m => new ActivityEvent(PointsSource(m), _key.CommunityId, m.AuthorId, m.AuthorName, ActionKinds.MessageAccepted, m.SentAt, _key.ChannelId))])));
                }

                // Never past a round that failed: the next activation hands those messages over again.
                S.ActivityThroughSeq = Math.Max(S.ActivityThroughSeq, Math.Min(round[^1].Seq, _awardFailedFrom - 1));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _awardFailedFrom = Math.Min(_awardFailedFrom, round[0].Seq);
                LogAwardFailed(logger, ex, _key.ToString(), round[0].Seq);
            }
        }
    }

    /// <summary>A message removed before its award round earns nothing; one already handed over is taken back after it.</summary>
    private async Task TakeBackAfterAwards(ChatMessage original)
    {
        _toAward.RemoveAll(m => m.Seq == original.Seq);
        await _awarding;
        await TakeBackPoints(original);
    }

    /// <summary>Messages waiting for their award round are handed over before the activation goes, and the cursor stored.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_awarding.IsCompleted)
        {
            return;
        }

        _awardNow.TrySetResult();
        try
        {
            await _awarding.WaitAsync(cancellationToken);
            await state.WriteStateAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not lost while the messages are still in the tail: the next activation hands them over again.
            LogAwardFailed(logger, ex, _key.ToString(), S.ActivityThroughSeq + 1);
        }
    }

    private static string PointsSource(ChatMessage message) => $"msg:{message.MessageId}";

    private const int AwardCallsInFlight = 4;
    private const int MaxAwardRound = 2_000;
    private readonly List<ChatMessage> _toAward = [];
    private readonly TaskCompletionSource _awardNow = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _awarding = Task.CompletedTask;
    private DateTimeOffset _lastAwardRound = DateTimeOffset.MinValue;
    private long _awardFailedFrom = long.MaxValue;

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing seqs {From}-{To} on channel {Channel} failed; gateways will fill the gap from history")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string channel, long from, long to);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing {Count} messages from seq {Seq} on channel {Channel} failed; the sends were refused")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, string channel, long seq, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The writer of channel {Channel} failed; waiting sends were refused")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handing messages from seq {Seq} of channel {Channel} to gamification failed; will retry on the next activation")]
    private static partial void LogAwardFailed(ILogger logger, Exception ex, string channel, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Taking back {Source} in channel {Channel} failed")]
    private static partial void LogTakeBackFailed(ILogger logger, Exception ex, string channel, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing a change of channel {Channel} failed; it was refused")]
    private static partial void LogChangeFailed(ILogger logger, Exception ex, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sealing page {Page} of channel {Channel} failed; will retry")]
    private static partial void LogSealFailed(ILogger logger, Exception ex, string channel, long page);
}
