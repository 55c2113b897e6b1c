using CommunityScale.Access;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Moderation.Classifier;
using CommunityScale.Options;
using CommunityScale.Posting;
using CommunityScale.Privacy;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;

namespace CommunityScale.Chat;

/// <summary>
/// A live chat room (see <see cref="IChannelGrain"/>). The path of one message: the <see cref="PostingGate"/> (membership,
/// standing, consent, moderation, slow mode), then the <see cref="ChannelWriter"/> (next seq, group commit, ack, publish),
/// into the silo's chat journal, then <see cref="ChannelAwards"/> (points, trust, webhook) behind the ack, and
/// <see cref="ChannelCompaction"/> sealing full pages. Every other change (edit, reaction, removal,
/// slow mode, retention, erasure) goes through the same writer and records its follow-ups in the channel's
/// <see cref="Outbox"/> in the same write.
/// </summary>
[Reentrant]
public sealed partial class ChannelGrain(
    [PersistentState("channel", StorageNames.Main)] IPersistentState<ChannelState> state,
    IOptions<ChatOptions> options,
    IOptions<OutboxOptions> outboxOptions,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IMessageClassifier classifier,
    Sentiment.SentimentScorer sentiment,
    Journal.ChannelJournal journal,
    Access.AccessRulesCache accessRules,
    CommunityLookups lookups,
    ILogger<ChannelGrain> logger) : Grain, IChannelGrain, IRemindable
{
    private readonly StateWriter<ChannelState> _store = new(state);
    private ChannelKey _key;
    private IAsyncStream<ChannelStreamEvent> _stream = null!;
    private PostingGate _gate = null!;
    private ChannelReactions _reactionsOfMessages = null!;
    private ChannelAccess _access = null!;
    private ChannelWriter _writer = null!;
    private ChannelAwards _awards = null!;
    private ChannelHistory _history = null!;
    private Outbox _outbox = null!;
    private ChannelSlowMode _slowMode = null!;

    private ChannelState S => _store.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ChannelKey.Parse(this.GetPrimaryKeyString());
        _stream = this.GetStreamProvider(StreamNames.Provider).GetStream<ChannelStreamEvent>(StreamNames.ForChannel(_key));
        _gate = new PostingGate(GrainFactory, lookups, _key.CommunityId, classifier, options.Value, options.Value.MembershipCacheDuration) { PolicyFetched = PolicyFetched };
        _access = new ChannelAccess(accessRules, _gate, _key, clock);
        _history = new ChannelHistory(GrainFactory, _key, () => S, () => _writer.Tail);
        _awards = new ChannelAwards(GrainFactory, _key, () => S, () => _writer.Tail, sentiment, options.Value, clock, logger);
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _store.Write, outboxOptions.Value, logger)
        {
            AlsoOwed = () => _awards.Owed,
            // The reminder's tick: the awards still owed go out, and a page left unsealed while storage was away is sealed.
            OnTick = () =>
            {
                _awards.Resume();
                _writer.Compact();
            },
            BeforeDelivery = () => _awards.InFlight,
        };
        _writer = new ChannelWriter(_store, _outbox, journal, _key, options.Value, clock, logger, DeactivateOnIdle) { Stored = _awards.Add };
        await _writer.Activate(_stream, new ChannelCompaction(_store, journal, GrainFactory, _key, logger));
        _awards.Passed = _writer.Compact;
        _slowMode = new ChannelSlowMode(this, _key, () => S, _writer, _access, () => _gate.Policy, clock);
        _reactionsOfMessages = new ChannelReactions(new ReactionPolicy(GrainFactory, _key.CommunityId), _gate, _history, _writer, _key, clock, PublishChange);
        _awards.Resume();
        _outbox.Activated();
    }

    /// <summary>
    /// The cursor is stored before the activation goes, the waiting awards handed over first only when the channel went
    /// idle or asked to go itself; otherwise the next activation hands them over (see <see cref="ChannelAwards.Stop"/>).
    /// The outbox delivers what it can.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            if (MayFinishAwards(reason.ReasonCode))
            {
                await _awards.Deactivating(cancellationToken);
            }
            else
            {
                _awards.Stop();
            }

            await _store.Write();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not lost while the messages are still in the tail: the reminder brings the channel back to hand them over.
            LogDeactivationWrite(logger, ex, _key.ToString());
        }

        await _outbox.Deactivating(cancellationToken);
    }

    /// <summary>
    /// Sends queue while a channel deactivates, and a round waits for points grains that may be unreachable: only an idle
    /// channel or one that chose to go waits for it. Otherwise the cluster changes under it: its silo drains, or the silo
    /// holding its directory entry drained or died (DirectoryFailure, on every survivor); such channels spent 5-10 s here.
    /// </summary>
    internal static bool MayFinishAwards(DeactivationReasonCode reason) =>
        reason is DeactivationReasonCode.ActivationIdle or DeactivationReasonCode.ApplicationRequested;

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    public async Task Create(ChannelInfo info)
    {
        var created = await _writer.Change(s =>
        {
            if (s.Info is not null)
            {
                return null;
            }

            (s.Info, s.PageSize) = (info, options.Value.HistoryPageSize);
            return new ChannelChange(() => s.Info = null, []);
        });
        if (!created)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Channel '{_key.ChannelId}' already exists.");
        }
    }

    public Task<ChannelInfo> GetInfo() => Task.FromResult(RequireInfo());

    public async Task<SendAck> Send(SendMessageCommand command)
    {
        var info = RequireInfo();
        var text = MessageRules.RequireText(command.Text, info.MaxMessageLength);
        var clientMessageId = InputRules.RequireClientMessageId(command.ClientMessageId);
        var send = SendKey.Of(command.AuthorId, clientMessageId);
        if (_writer.TryFindEarlier(send) is { } earlier)
        {
            return await earlier;
        }

        var now = clock.GetUtcNow();
        var check = await _gate.Prepare(command.AuthorId, now, _slowMode.Effective);
        var allowed = await _access.Require(check.Member, command.AttachmentIds is { Count: > 0 } ? Permissions.Send | Permissions.Attach : Permissions.Send, "send messages");
        // That await may have let a retry of this very send be accepted meanwhile.
        if (_writer.TryFindEarlier(send) is { } concurrent)
        {
            return await concurrent;
        }

        // Automatic moderation, before anything is accepted: the first refusing step wins and nothing changes.
        if (check.Judge(text) is { } hold)
        {
            var held = await GrainFactory.GetGrain<IModerationQueueGrain>(_key.CommunityId)
                .Hold(_key.ChannelId, command.AuthorId, command.AuthorName, text, clientMessageId, hold.Reason);
            return new SendAck(0, held.Id, Held: true);
        }

        // Bound before the seq is given: a refused binding (not your upload, already used) refuses the send and stores nothing.
        var attachmentIds = Attachments.RequireIds(command.AttachmentIds, "message");
        var attachments = await Attachments.Bind(GrainFactory, _key.CommunityId, attachmentIds, $"channel:{_key.ChannelId}:{command.AuthorId}/{clientMessageId}",
            new Actor(command.AuthorId, command.AuthorName));
        // Binding awaited: a retry of this send may have got in meanwhile (binding to the same target is idempotent).
        if (attachments is not null && _writer.TryFindEarlier(send) is { } raced)
        {
            return await raced;
        }

        check.Accepted();
        // Queued (and findable by its client id) before the auto-slow-mode audit is recorded, so no retry slips in there.
        var ack = _writer.Enqueue(send, command.AuthorId, command.AuthorName, text, clientMessageId, now, attachments, EveryoneMention.Counts(allowed, text));
        await _slowMode.MessageAccepted(now);
        return await ack;
    }

    public async Task<SendAck> AcceptApproved(SendMessageCommand command)
    {
        RequireInfo();
        // The author's permissions when a moderator lets the message through, as for a message sent then.
        var everyone = EveryoneMention.In(command.Text) && EveryoneMention.Counts(await _access.OfUser(command.AuthorId), command.Text);
        var send = SendKey.Of(command.AuthorId, command.ClientMessageId);
        return await (_writer.TryFindEarlier(send)
            ?? _writer.Enqueue(send, command.AuthorId, command.AuthorName, command.Text, command.ClientMessageId, clock.GetUtcNow(), mentionsEveryone: everyone));
    }

    public Task<HistoryPage> GetHistory(long afterSeq, int limit)
    {
        RequireInfo();
        return _history.Read(afterSeq, limit, _writer.CommittedSeq);
    }

    public Task<HistoryPage> GetRecent(int count) => GetHistory(Math.Max(0, _writer.CommittedSeq - count), count);

    public Task<long> GetLastSeq() => Task.FromResult(_writer.CommittedSeq);

    public async Task<HistoryPage> ReadAs(string userId, long? afterSeq, int limit)
    {
        RequireInfo();
        await _access.RequireReader(userId);
        return await (afterSeq is { } after ? GetHistory(after, limit) : GetRecent(limit));
    }

    public Task<Permissions> PermissionsOf(string userId) => IfKnown(() => _access.OfUser(userId));

    public Task<IReadOnlyList<string>> Viewers(IReadOnlyList<string> userIds, long rulesVersion) => IfKnown(() => _access.Viewers(userIds, rulesVersion));

    public async Task<ChannelInfo> SetSlowMode(int seconds, Actor caller)
    {
        RequireInfo();
        await _slowMode.Set(seconds, caller);
        return RequireInfo();
    }

    public Task<int> GetSlowMode() => Task.FromResult(_slowMode.Effective);

    public async Task<MessageRemovedNotice> RemoveMessage(long seq, string reason, Actor caller, bool authorMayRemove = false)
    {
        RequireInfo();
        var allowed = await _access.RequireMember(caller.UserId, Permissions.View, "remove messages");
        var current = await _history.Message(seq, _writer.CommittedSeq);
        var notice = new MessageRemovedNotice(_key.CommunityId, _key.ChannelId, seq, current.MessageId);
        if (current.Removed)
        {
            return notice;
        }

        // Taking back your own words needs no moderator and leaves no audit entry.
        if (!(authorMayRemove && current.AuthorId == caller.UserId))
        {
            if (!allowed.HasFlag(Permissions.ManageMessages))
            {
                throw new CommunityException(ErrorCodes.Forbidden, "Removing others' messages needs the manage_messages permission here.");
            }

            // History keeps only the message's place; the queue keeps the original for a while so a moderator can restore it.
            await HideCore(seq, original => [new AppendAudit(_key.CommunityId, caller.UserId, "remove_message", $"{_key.ChannelId}#{seq} by {original.AuthorId}", reason),
                new ArchiveRemoved(original)]);
            return notice;
        }

        await HideCore(seq, _ => []);
        return notice;
    }

    public Task<ChatMessage> Hide(long seq) => IfKnown(() => HideCore(seq, _ => []));

    /// <summary>
    /// Removes a message (in the tail, or on its sealed page) with what a removal owes: the webhook, its points and its
    /// reactions' points taken back (it leaves the award round if it still waited for one), its files revoked.
    /// </summary>
    private async Task<ChatMessage> HideCore(long seq, Func<ChatMessage, IReadOnlyList<FollowUp?>> owedToo)
    {
        if (seq < 1 || seq > _writer.CommittedSeq)
        {
            throw CommunityException.NotFound($"Message {seq} in channel '{_key}'");
        }

        ChatMessage? original = null;
        // The files' revoke goes first and is waited for: a removed message's files stop being served when it is answered.
        IReadOnlyList<FollowUp?> Owed(ChatMessage m) =>
        [
            RevokeAttachments.Of(_key.CommunityId, m.Attachments),
            RaiseWebhook.Of(_key.CommunityId, WebhookEventKinds.MessageRemoved, clock.GetUtcNow(), new MessageRemovedNotice(_key.CommunityId, _key.ChannelId, seq, m.MessageId), _key.ChannelId),
            new TakeBackMessage(_key, new HistoryLayout(S.PageSize).PageIndexOf(seq), seq, m.MessageId, m.AuthorId),
            .. owedToo(m),
        ];
        if (!await _writer.ChangeInTail(seq, m => (original = m).Removed ? m : m.AsRemoved(), Owed))
        {
            original = await _history.PageOf(seq).Redact(seq) ?? throw CommunityException.NotFound($"Message {seq} in channel '{_key}'");
            await _writer.Owe([.. Owed(original)]);
        }

        _awards.Withdraw(seq);
        if (original!.Attachments is { Count: > 0 })
        {
            await _outbox.SettledAll();
        }

        await PublishChange(new MessageRemoved(new MessageRemovedNotice(_key.CommunityId, _key.ChannelId, seq, original!.MessageId)), seq);
        return original;
    }

    public async Task Restore(ChatMessage original)
    {
        RequireInfo();
        var restored = original with { Removed = false };
        // A tombstone (erased or purged: no author any more) stays one, whatever an archive still holds.
        if (!await _writer.ChangeInTail(original.Seq, m => m.MessageId == original.MessageId && m.Removed && m.AuthorId == original.AuthorId ? restored : m)
            && !await _history.PageOf(original.Seq).Restore(original))
        {
            throw CommunityException.NotFound($"Message {original.Seq} in channel '{_key}'");
        }

        await PublishChange(new MessageRestored(restored), original.Seq);
    }

    public async Task<ChatMessage> EditMessage(long seq, string text, Actor editor)
    {
        var info = RequireInfo();
        var newText = MessageRules.RequireText(text, info.MaxMessageLength);
        var everyone = EveryoneMention.Counts(await _access.RequireMember(editor.UserId, Permissions.Send, "edit messages"), newText);
        var current = await _history.Message(seq, _writer.CommittedSeq);
        if (current.Removed)
        {
            throw CommunityException.NotFound($"Message {seq} in channel '{_key}' was removed; it");
        }

        if (current.AuthorId != editor.UserId)
        {
            throw new CommunityException(ErrorCodes.Forbidden, "Only the author may edit a message.");
        }

        var now = clock.GetUtcNow();
        await _gate.RequireMayEdit(editor.UserId, newText, now, "message");
        ChatMessage? edited = null;
        if (!await _writer.ChangeInTail(seq, m => edited = m.Removed ? m : m with { Text = newText, EditedAt = now, MentionsEveryone = everyone }))
        {
            edited = await _history.PageOf(seq).Edit(seq, newText, now, everyone);
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
        await _access.RequireMember(caller.UserId, Permissions.React, "react");
        return await _reactionsOfMessages.React(seq, emoji, on, caller);
    }

    public Task<MemberTrace> CollectMember(string userId) => IfKnown(() => MemberData.Collect(userId));

    /// <summary>Erasure; the grain then deactivates, dropping every in-memory trace (membership cache, duplicate and flood memories).</summary>
    public async Task EraseMember(string userId, string pseudonym)
    {
        RequireInfo();
        _awards.Forget(userId);
        await MemberData.Erase(userId, pseudonym);
        _gate.Forget(userId);
        DeactivateOnIdle();
    }

    public Task<int> Purge(DateTimeOffset before) => IfKnown(() => MemberData.Purge(before));

    private ChannelMemberData MemberData => new(GrainFactory, _key, () => S, _writer, PublishChange);

    private ChannelInfo RequireInfo() => S.Info ?? throw CommunityException.NotFound($"Channel '{_key}'");

    private T IfKnown<T>(Func<T> then)
    {
        RequireInfo();
        return then();
    }

    /// <summary>What the channel derives from the policy is refreshed with it: the auto-slow-mode threshold, trust levels, webhooks wanted.</summary>
    private async Task PolicyFetched(ModerationPolicy policy)
    {
        _slowMode.PolicyFetched(policy);
        _awards.TrustLevels = policy.TrustLevels ?? ModerationPolicy.DefaultTrustLevels;
        _awards.WebhooksWanted = (await lookups.WantedWebhooks(_key.CommunityId)).Contains(WebhookEventKinds.MessageAccepted);
    }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing a change of seq {Seq} on channel {Channel} failed; clients see it in history")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string channel, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing channel {Channel} as it deactivated failed; its reminder resumes what is owed")]
    private static partial void LogDeactivationWrite(ILogger logger, Exception ex, string channel);
}
