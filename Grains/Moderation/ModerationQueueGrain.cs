using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Moderation;

/// <summary>
/// The moderators' queue: held messages, reported messages and appeals, listed by <see cref="ReviewPriority"/>. Every
/// change is stored with its audit entry and the member's notice in the queue's <see cref="Outbox"/> (one write, so a
/// decision is never stored without them), and published once on the community's <c>moderation</c> stream (gateways
/// push it to the moderators online). A decision is answered once its follow-ups arrived, or after
/// <see cref="Outbox.AnswerWait"/> while they are still being retried.
/// </summary>
public sealed partial class ModerationQueueGrain(
    [PersistentState("moderation-queue", StorageNames.Main)] IPersistentState<ModerationQueueState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<OutboxOptions> outboxOptions,
    ILogger<ModerationQueueGrain> logger) : Grain, IModerationQueueGrain, IRemindable
{
    /// <summary>Beyond this many waiting items new ones are refused: a queue nobody works must not grow forever.</summary>
    public const int MaxPending = 10_000;
    public const int MaxReasonLength = 500;
    public const int MaxArchived = ModerationQueueBook.MaxArchived;
    private const int MaxReasonsKept = 10;

    private readonly StateWriter<ModerationQueueState> _writer = new(state);
    private readonly ModerationQueueBook _book = new(() => state.State);
    private Outbox _outbox = null!;

    private string CommunityId => this.GetPrimaryKeyString();

    private ModerationQueueState S => _writer.State;

    private int Waiting => S.Pending.Count + S.Reports.Count + S.Appeals.Count;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger) { WriteFailed = DeactivateOnIdle };
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    public Task<Privacy.MemberTrace> CollectMember(string userId) => Task.FromResult(_book.Collect(userId));

    public async Task EraseMember(string userId, string pseudonym)
    {
        if (_book.Erase(userId, pseudonym))
        {
            await Store();
        }
    }

    public Task<HeldMessage> Hold(string channelId, string authorId, string authorName, string text, string clientMessageId, string reason) =>
        Queue(new HeldMessage(Guid.NewGuid().ToString("n"), channelId, authorId, authorName, text, clientMessageId, reason, clock.GetUtcNow()), "message");

    public Task<HeldMessage> HoldPost(string threadId, string authorId, string authorName, string body, long? replyToSeq, string clientPostId, string reason) =>
        Queue(new HeldMessage(Guid.NewGuid().ToString("n"), "", authorId, authorName, body, clientPostId, reason, clock.GetUtcNow(), threadId, replyToSeq), "post");

    /// <summary>
    /// Queues a held message or forum post once: a retry (same place, author and client id; a post's channel is "" and a
    /// message's thread null) gets the item already waiting.
    /// </summary>
    private async Task<HeldMessage> Queue(HeldMessage draft, string what)
    {
        if (S.Pending.Find(h => h.ChannelId == draft.ChannelId && h.ThreadId == draft.ThreadId && h.AuthorId == draft.AuthorId && h.ClientMessageId == draft.ClientMessageId) is { } earlier)
        {
            return earlier;
        }

        if (Waiting >= MaxPending)
        {
            throw new CommunityException(ErrorCodes.BlockedContent, $"The {what} needs a moderator's review, and the review queue is full; try again later.");
        }

        S.Pending.Add(draft);
        await Store();
        await Publish("queued", ReviewItems.Of(draft), null, null);
        return draft;
    }

    public async Task<ReviewItem> Report(string channelId, long seq, string reason, Actor reporter)
    {
        InputRules.RequireId(channelId, "channel id");
        reason = RequireReason(reason);
        if (seq < 1)
        {
            throw CommunityException.Invalid("seq must be positive.");
        }

        var member = await PostingRules.RequireMember(GrainFactory, CommunityId, reporter.UserId);
        PostingRules.RequireNotBanned(member);
        // Before anything of the message is read: a report answers with its text, and a hidden channel's must not be told.
        var channel = new Chat.ChannelKey(CommunityId, channelId);
        if (!(await GrainFactory.Channel(channel).PermissionsOf(reporter.UserId)).HasFlag(Access.Permissions.View))
        {
            throw CommunityException.NotFound($"Channel '{channel}'");
        }

        var existing = S.Reports.Find(r => r.Message.ChannelId == channelId && r.Message.Seq == seq);
        if (existing?.Reporters.Contains(reporter.UserId) == true)
        {
            return ItemOf(existing);
        }

        var message = existing?.Message ?? await ReadMessage(channelId, seq);
        if (message.AuthorId == reporter.UserId)
        {
            throw CommunityException.Invalid("You cannot report your own message.");
        }

        if (existing is null && Waiting >= MaxPending)
        {
            throw new CommunityException(ErrorCodes.Unavailable, "The review queue is full; try again later.");
        }

        var report = existing ?? new ReportCase { Id = Guid.NewGuid().ToString("n"), Message = message, CreatedAt = clock.GetUtcNow() };
        report.Reporters.Add(reporter.UserId);
        if (reason.Length > 0 && report.Reasons.Count < MaxReasonsKept)
        {
            report.Reasons.Add(reason);
            report.ReasonAuthors.Add(reporter.UserId);
        }

        if (existing is null)
        {
            S.Reports.Add(report);
        }

        var policy = await GrainFactory.GetGrain<IModerationPolicyGrain>(CommunityId).Get();
        var hideNow = !report.Hidden && report.Reporters.Count >= policy.ReportsToHide;
        FollowUp? audit = null;
        if (hideNow)
        {
            // Hidden before the queue remembers it as hidden: a crash in between leaves it visible and reported, not lost.
            await Channel(channelId).Hide(seq);
            report.Hidden = true;
            audit = Audit(CommunityModerationGrain.AutoModeration, "hide", ReviewItems.Target(report.Message), $"{report.Reporters.Count} reports, pending review");
        }

        await Decided(audit);
        var item = ItemOf(report);
        await Publish(existing is null ? "queued" : "updated", item, null, null);
        return item;
    }

    public async Task<ReviewItem> Appeal(string sanctionId, string text, Actor member)
    {
        var appeal = text?.Trim() ?? "";
        if (appeal.Length is 0 or > MaxReasonLength)
        {
            throw CommunityException.Invalid($"An appeal says why in 1 to {MaxReasonLength} characters.");
        }

        if (Waiting >= MaxPending)
        {
            throw new CommunityException(ErrorCodes.Unavailable, "The review queue is full; try again later.");
        }

        var grain = GrainFactory.Member(CommunityId, member.UserId);
        _ = await grain.Get() ?? throw new CommunityException(ErrorCodes.NotMember, $"You are not a member of community '{CommunityId}'.");
        var sanction = await grain.MarkAppealed(InputRules.RequireId(sanctionId, "sanction id"));
        var appealCase = new AppealCase
        {
            Id = Guid.NewGuid().ToString("n"), UserId = member.UserId, UserName = member.DisplayName, Sanction = sanction, Text = appeal, CreatedAt = clock.GetUtcNow(),
        };
        S.Appeals.Add(appealCase);
        await Store();
        var item = ReviewItems.Of(appealCase);
        await Publish("queued", item, null, null);
        return item;
    }

    public async Task<IReadOnlyList<ReviewItem>> List(Actor moderator)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator, Access.Permissions.ManageMessages);
        return [.. S.Pending.Select(ReviewItems.Of).Concat(S.Reports.Select(ItemOf)).Concat(S.Appeals.Select(ReviewItems.Of))
            .OrderByDescending(i => i.Priority).ThenBy(i => i.CreatedAt)];
    }

    public async Task<ReviewOutcome> Approve(string itemId, Actor moderator)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator, Access.Permissions.ManageMessages);
        if (S.Pending.Find(h => h.Id == itemId) is { } held)
        {
            var ack = held.ThreadId is { } threadId
                ? await GrainFactory.Thread(new Threads.ThreadKey(CommunityId, threadId))
                    .AcceptApproved(new Threads.NewReply(held.Text, held.ReplyToSeq, held.ClientMessageId), new Actor(held.AuthorId, held.AuthorName))
                : await Channel(held.ChannelId).AcceptApproved(new SendMessageCommand(held.AuthorId, held.AuthorName, held.Text, held.ClientMessageId));
            // Stored in the channel first, then removed here: a crash in between leaves it queued, and approving it again
            // returns the same ack (the channel knows the clientMessageId).
            S.Pending.Remove(held);
            await Decided(
                Audit(moderator.UserId, "approve", $"{ReviewItems.Place(held)}#{ack.Seq} by {held.AuthorId}", held.Reason),
                Notice(held.AuthorId, NotificationKinds.MessageReviewed, $"A moderator approved your message in {ReviewItems.Place(held)}; it is now posted.", $"held:{held.Id}"));
            await Publish("resolved", ReviewItems.Of(held), "approved", moderator.UserId);
            return new ReviewOutcome(held.Id, ReviewKind.Held, "approved", ack);
        }

        if (S.Reports.Find(r => r.Id == itemId) is { } report)
        {
            if (report.Hidden)
            {
                await Channel(report.Message.ChannelId).Restore(report.Message);
            }

            S.Reports.Remove(report);
            _book.Score(report.Reporters, upheld: false);
            await Decided(Audit(moderator.UserId, "dismiss_reports", ReviewItems.Target(report.Message), $"{report.Reporters.Count} reports{(report.Hidden ? "; restored" : "")}"));
            await Publish("resolved", ItemOf(report), "kept", moderator.UserId);
            return new ReviewOutcome(report.Id, ReviewKind.Report, "kept", null);
        }

        var appeal = FindAppeal(itemId);
        var (_, revoked) = await GrainFactory.Member(CommunityId, appeal.UserId).Revoke(appeal.Sanction.Id, note: null);
        S.Appeals.Remove(appeal);
        await Decided(
            Audit(moderator.UserId, "appeal_granted", appeal.UserId, $"{revoked.Kind.ToString().ToLowerInvariant()} {revoked.Id} revoked"),
            Notice(appeal.UserId, NotificationKinds.AppealDecided, $"Your appeal was granted: the {revoked.Kind.ToString().ToLowerInvariant()} is withdrawn.", $"appeal:{appeal.Id}"));
        await Publish("resolved", ReviewItems.Of(appeal), "granted", moderator.UserId);
        return new ReviewOutcome(appeal.Id, ReviewKind.Appeal, "granted", null);
    }

    public async Task<ReviewOutcome> Reject(string itemId, string reason, Actor moderator)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator, Access.Permissions.ManageMessages);
        reason = RequireReason(reason);
        if (S.Pending.Find(h => h.Id == itemId) is { } held)
        {
            S.Pending.Remove(held);
            await Decided(
                Audit(moderator.UserId, "reject", $"{ReviewItems.Place(held)} by {held.AuthorId}", reason),
                Notice(held.AuthorId, NotificationKinds.MessageReviewed,
                    $"A moderator did not approve your message in {ReviewItems.Place(held)}{(reason.Length > 0 ? $": {reason}" : ".")}", $"held:{held.Id}"));
            await Publish("resolved", ReviewItems.Of(held), "rejected", moderator.UserId);
            return new ReviewOutcome(held.Id, ReviewKind.Held, "rejected", null);
        }

        if (S.Reports.Find(r => r.Id == itemId) is { } report)
        {
            if (!report.Hidden)
            {
                await Channel(report.Message.ChannelId).Hide(report.Message.Seq);
            }

            S.Reports.Remove(report);
            _book.Score(report.Reporters, upheld: true);
            _book.Archive(report.Message);
            await Decided(Audit(moderator.UserId, "remove_message", ReviewItems.Target(report.Message), reason.Length > 0 ? reason : $"{report.Reporters.Count} reports upheld"));
            await Publish("resolved", ItemOf(report), "removed", moderator.UserId);
            return new ReviewOutcome(report.Id, ReviewKind.Report, "removed", null);
        }

        var appeal = FindAppeal(itemId);
        S.Appeals.Remove(appeal);
        await Decided(
            Audit(moderator.UserId, "appeal_denied", appeal.UserId, reason),
            Notice(appeal.UserId, NotificationKinds.AppealDecided,
                $"Your appeal was denied: the {appeal.Sanction.Kind.ToString().ToLowerInvariant()} stands{(reason.Length > 0 ? $" ({reason})" : "")}.", $"appeal:{appeal.Id}"));
        await Publish("resolved", ReviewItems.Of(appeal), "denied", moderator.UserId);
        return new ReviewOutcome(appeal.Id, ReviewKind.Appeal, "denied", null);
    }

    public async Task Archive(ChatMessage original)
    {
        _book.Archive(original);
        await Store();
    }

    public async Task<ChatMessage> Restore(string channelId, long seq, Actor moderator)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator, Access.Permissions.ManageMessages);
        InputRules.RequireId(channelId, "channel id");
        var report = S.Reports.Find(r => r.Hidden && r.Message.ChannelId == channelId && r.Message.Seq == seq);
        var original = report?.Message ?? S.Removed.Find(m => m.ChannelId == channelId && m.Seq == seq)
            ?? throw new CommunityException(ErrorCodes.NotFound, $"No removed message {seq} in channel '{channelId}' can be restored (the latest {MaxArchived} removals can).");
        await Channel(channelId).Restore(original);
        S.Removed.RemoveAll(m => m.ChannelId == channelId && m.Seq == seq);
        if (report is not null)
        {
            S.Reports.Remove(report);
            _book.Score(report.Reporters, upheld: false);
        }

        await Decided(Audit(moderator.UserId, "restore", ReviewItems.Target(original), ""));
        if (report is not null)
        {
            await Publish("resolved", ItemOf(report), "kept", moderator.UserId);
        }

        return original;
    }

    /// <summary>Stores the change with its follow-ups in one write; the answer waits a little for them (<see cref="Outbox.StoreAndWait"/>).</summary>
    private async Task Decided(params FollowUp?[] followUps)
    {
        try
        {
            await _outbox.StoreAndWait(followUps);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            DeactivateOnIdle();
            throw;
        }
    }

    private Task Store() => _outbox.Store();

    private async Task<ChatMessage> ReadMessage(string channelId, long seq)
    {
        var page = await Channel(channelId).GetHistory(seq - 1, 1);
        var message = page.Messages.FirstOrDefault(m => m.Seq == seq) ?? throw CommunityException.NotFound($"Message {seq} in channel '{channelId}'");
        return message.Removed ? throw CommunityException.Invalid("This message was already removed.") : message;
    }

    private ReviewItem ItemOf(ReportCase report) => ReviewItems.Of(report, S.Reporters);

    private AppealCase FindAppeal(string itemId) =>
        S.Appeals.Find(a => a.Id == itemId) ?? throw CommunityException.NotFound($"Review item '{itemId}'");

    private static string RequireReason(string? reason) =>
        reason is { Length: > MaxReasonLength } ? throw CommunityException.Invalid($"A reason has at most {MaxReasonLength} characters.") : reason?.Trim() ?? "";

    private IChannelGrain Channel(string channelId) => GrainFactory.Channel(new ChannelKey(CommunityId, channelId));

    private AppendAudit Audit(string actor, string action, string target, string reason) => new(CommunityId, actor, action, target, reason);

    private SendNotices Notice(string userId, string kind, string text, string sourceId) => new([userId], new NotificationDraft(CommunityId, kind, text, sourceId));

    private async Task Publish(string change, ReviewItem item, string? resolution, string? by)
    {
        try
        {
            await this.GetStreamProvider(StreamNames.Provider).GetStream<ModerationEvent>(StreamNames.ForModeration(CommunityId))
                .OnNextAsync(new ModerationEvent(CommunityId, change, item, resolution, by));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The queue is stored; moderators see the change on their next read of the list.
            LogPublishFailed(logger, ex, CommunityId, item.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing a moderation event for {Community} (item {Item}) failed")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string community, string item);
}
