using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommunityScale.Moderation;

[GenerateSerializer, Alias("cs.ModerationQueueState")]
public sealed class ModerationQueueState
{
    [Id(0)] public List<HeldMessage> Pending { get; set; } = [];

    [Id(1)] public List<ReportCase> Reports { get; set; } = [];

    [Id(2)] public List<AppealCase> Appeals { get; set; } = [];

    /// <summary>Per reporter: how many of their reports moderators upheld and dismissed (their accuracy orders the queue).</summary>
    [Id(3)] public Dictionary<string, ReporterRecord> Reporters { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Originals of the latest removed messages (history keeps only their place), so a moderator can restore them.</summary>
    [Id(4)] public List<ChatMessage> Removed { get; set; } = [];
}

[GenerateSerializer, Alias("cs.ReportCase")]
public sealed class ReportCase
{
    [Id(0)] public string Id { get; set; } = "";

    [Id(1)] public ChatMessage Message { get; set; } = null!;

    [Id(2)] public List<string> Reporters { get; set; } = [];

    [Id(3)] public List<string> Reasons { get; set; } = [];

    [Id(4)] public DateTimeOffset CreatedAt { get; set; }

    [Id(5)] public bool Hidden { get; set; }

    /// <summary>Who wrote each of <see cref="Reasons"/> (same order), so an erasure takes a reporter's words with them.</summary>
    [Id(6)] public List<string> ReasonAuthors { get; set; } = [];
}

[GenerateSerializer, Alias("cs.AppealCase")]
public sealed class AppealCase
{
    [Id(0)] public string Id { get; set; } = "";

    [Id(1)] public string UserId { get; set; } = "";

    [Id(2)] public string UserName { get; set; } = "";

    [Id(3)] public Sanction Sanction { get; set; } = null!;

    [Id(4)] public string Text { get; set; } = "";

    [Id(5)] public DateTimeOffset CreatedAt { get; set; }
}

[GenerateSerializer, Alias("cs.ReporterRecord")]
public sealed class ReporterRecord
{
    [Id(0)] public int Upheld { get; set; }

    [Id(1)] public int Dismissed { get; set; }
}

/// <summary>
/// The moderators' queue: held messages, reported messages and appeals, listed by <see cref="ReviewPriority"/>. Every
/// change is stored, audited when a person or rule decided something, and published once on the community's
/// <c>moderation</c> stream (gateways push it to the moderators online). Members are told the outcome in their inbox.
/// </summary>
public sealed partial class ModerationQueueGrain(
    [PersistentState("moderation-queue", StorageNames.Main)] IPersistentState<ModerationQueueState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    ILogger<ModerationQueueGrain> logger) : Grain, IModerationQueueGrain
{
    /// <summary>Beyond this many waiting items new ones are refused: a queue nobody works must not grow forever.</summary>
    public const int MaxPending = 10_000;
    public const int MaxReasonLength = 500;
    public const int MaxArchived = 200;
    private const int MaxReasonsKept = 10;
    private const int MaxReporterRecords = 10_000;

    private string CommunityId => this.GetPrimaryKeyString();

    private ModerationQueueState S => state.State;

    private int Waiting => S.Pending.Count + S.Reports.Count + S.Appeals.Count;

    public Task<Privacy.MemberTrace> CollectMember(string userId)
    {
        var s = state.State;
        var requests = s.Appeals.Where(a => a.UserId == userId)
            .Select(a => new Privacy.ModerationRequest("appeal", $"sanction {a.Sanction.Id}", a.Text, a.CreatedAt))
            .Concat(s.Reports.Where(r => r.Reporters.Contains(userId)).Select(r => new Privacy.ModerationRequest("report", $"{r.Message.ChannelId}#{r.Message.Seq}",
                string.Join(" / ", r.Reasons.Where((_, i) => i < r.ReasonAuthors.Count && r.ReasonAuthors[i] == userId)), r.CreatedAt)));
        // The copies of their messages that EraseMember deletes: originals of removed ones, and reported ones (without
        // the reporters or their reasons, which are others' words).
        var copies = s.Removed.Where(m => m.AuthorId == userId).Concat(s.Reports.Where(r => r.Message.AuthorId == userId).Select(r => r.Message));
        return Task.FromResult(Privacy.MemberTrace.Empty with
        {
            Held = [.. s.Pending.Where(h => h.AuthorId == userId)],
            ModerationRequests = [.. requests],
            ModerationCopies = [.. copies.DistinctBy(m => (m.ChannelId, m.Seq))],
        });
    }

    public async Task EraseMember(string userId, string pseudonym)
    {
        var s = state.State;
        var changed = s.Pending.RemoveAll(h => h.AuthorId == userId) + s.Appeals.RemoveAll(a => a.UserId == userId)
            + s.Removed.RemoveAll(m => m.AuthorId == userId) + s.Reports.RemoveAll(r => r.Message.AuthorId == userId) > 0;
        foreach (var report in s.Reports.Where(r => r.Reporters.Contains(userId)))
        {
            report.Reporters = [.. report.Reporters.Select(u => u == userId ? pseudonym : u)];
            // Reasons stored before their authors were recorded cannot be told apart: they go with any erased reporter.
            var attributed = report.Reasons.Count == report.ReasonAuthors.Count;
            var keep = Enumerable.Range(0, report.Reasons.Count).Where(i => attributed && report.ReasonAuthors[i] != userId).ToList();
            report.Reasons = [.. keep.Select(i => report.Reasons[i])];
            report.ReasonAuthors = [.. keep.Select(i => report.ReasonAuthors[i])];
            changed = true;
        }

        changed |= s.Reporters.Remove(userId);
        if (changed)
        {
            await state.WriteStateAsync();
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
        await state.WriteStateAsync();
        await Publish("queued", ItemOf(draft), null, null);
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
        if (hideNow)
        {
            // Hidden before the queue remembers it as hidden: a crash in between leaves it visible and reported, not lost.
            await Channel(channelId).Hide(seq);
            report.Hidden = true;
        }

        await state.WriteStateAsync();
        if (hideNow)
        {
            await Audit(CommunityModerationGrain.AutoModeration, "hide", Target(report.Message), $"{report.Reporters.Count} reports, pending review");
        }

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

        var grain = GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(CommunityId, member.UserId));
        _ = await grain.Get() ?? throw new CommunityException(ErrorCodes.NotMember, $"You are not a member of community '{CommunityId}'.");
        var sanction = await grain.MarkAppealed(InputRules.RequireId(sanctionId, "sanction id"));
        var appealCase = new AppealCase
        {
            Id = Guid.NewGuid().ToString("n"), UserId = member.UserId, UserName = member.DisplayName, Sanction = sanction, Text = appeal, CreatedAt = clock.GetUtcNow(),
        };
        S.Appeals.Add(appealCase);
        await state.WriteStateAsync();
        var item = ItemOf(appealCase);
        await Publish("queued", item, null, null);
        return item;
    }

    public async Task<IReadOnlyList<ReviewItem>> List(Actor moderator)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator);
        return [.. S.Pending.Select(ItemOf).Concat(S.Reports.Select(ItemOf)).Concat(S.Appeals.Select(ItemOf))
            .OrderByDescending(i => i.Priority).ThenBy(i => i.CreatedAt)];
    }

    public async Task<ReviewOutcome> Approve(string itemId, Actor moderator)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator);
        if (S.Pending.Find(h => h.Id == itemId) is { } held)
        {
            var ack = held.ThreadId is { } threadId
                ? await GrainFactory.GetGrain<Threads.IThreadGrain>(new Threads.ThreadKey(CommunityId, threadId).ToString())
                    .AcceptApproved(new Threads.NewReply(held.Text, held.ReplyToSeq, held.ClientMessageId), new Actor(held.AuthorId, held.AuthorName))
                : await Channel(held.ChannelId).AcceptApproved(new SendMessageCommand(held.AuthorId, held.AuthorName, held.Text, held.ClientMessageId));
            // Stored in the channel first, then removed here: a crash in between leaves it queued, and approving it again
            // returns the same ack (the channel knows the clientMessageId).
            S.Pending.Remove(held);
            await state.WriteStateAsync();
            await Audit(moderator.UserId, "approve", $"{Place(held)}#{ack.Seq} by {held.AuthorId}", held.Reason);
            await Notify(held.AuthorId, NotificationKinds.MessageReviewed, $"A moderator approved your message in {Place(held)}; it is now posted.", $"held:{held.Id}");
            await Publish("resolved", ItemOf(held), "approved", moderator.UserId);
            return new ReviewOutcome(held.Id, ReviewKind.Held, "approved", ack);
        }

        if (S.Reports.Find(r => r.Id == itemId) is { } report)
        {
            if (report.Hidden)
            {
                await Channel(report.Message.ChannelId).Restore(report.Message);
            }

            S.Reports.Remove(report);
            Score(report.Reporters, upheld: false);
            await state.WriteStateAsync();
            await Audit(moderator.UserId, "dismiss_reports", Target(report.Message), $"{report.Reporters.Count} reports{(report.Hidden ? "; restored" : "")}");
            await Publish("resolved", ItemOf(report), "kept", moderator.UserId);
            return new ReviewOutcome(report.Id, ReviewKind.Report, "kept", null);
        }

        var appeal = FindAppeal(itemId);
        var (_, revoked) = await GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(CommunityId, appeal.UserId)).Revoke(appeal.Sanction.Id);
        S.Appeals.Remove(appeal);
        await state.WriteStateAsync();
        await Audit(moderator.UserId, "appeal_granted", appeal.UserId, $"{revoked.Kind.ToString().ToLowerInvariant()} {revoked.Id} revoked");
        await Notify(appeal.UserId, NotificationKinds.AppealDecided, $"Your appeal was granted: the {revoked.Kind.ToString().ToLowerInvariant()} is withdrawn.", $"appeal:{appeal.Id}");
        await Publish("resolved", ItemOf(appeal), "granted", moderator.UserId);
        return new ReviewOutcome(appeal.Id, ReviewKind.Appeal, "granted", null);
    }

    public async Task<ReviewOutcome> Reject(string itemId, string reason, Actor moderator)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator);
        reason = RequireReason(reason);
        if (S.Pending.Find(h => h.Id == itemId) is { } held)
        {
            S.Pending.Remove(held);
            await state.WriteStateAsync();
            await Audit(moderator.UserId, "reject", $"{Place(held)} by {held.AuthorId}", reason);
            await Notify(held.AuthorId, NotificationKinds.MessageReviewed,
                $"A moderator did not approve your message in {Place(held)}{(reason.Length > 0 ? $": {reason}" : ".")}", $"held:{held.Id}");
            await Publish("resolved", ItemOf(held), "rejected", moderator.UserId);
            return new ReviewOutcome(held.Id, ReviewKind.Held, "rejected", null);
        }

        if (S.Reports.Find(r => r.Id == itemId) is { } report)
        {
            if (!report.Hidden)
            {
                await Channel(report.Message.ChannelId).Hide(report.Message.Seq);
            }

            S.Reports.Remove(report);
            Score(report.Reporters, upheld: true);
            ArchiveOriginal(report.Message);
            await state.WriteStateAsync();
            await Audit(moderator.UserId, "remove_message", Target(report.Message), reason.Length > 0 ? reason : $"{report.Reporters.Count} reports upheld");
            await Publish("resolved", ItemOf(report), "removed", moderator.UserId);
            return new ReviewOutcome(report.Id, ReviewKind.Report, "removed", null);
        }

        var appeal = FindAppeal(itemId);
        S.Appeals.Remove(appeal);
        await state.WriteStateAsync();
        await Audit(moderator.UserId, "appeal_denied", appeal.UserId, reason);
        await Notify(appeal.UserId, NotificationKinds.AppealDecided,
            $"Your appeal was denied: the {appeal.Sanction.Kind.ToString().ToLowerInvariant()} stands{(reason.Length > 0 ? $" ({reason})" : "")}.", $"appeal:{appeal.Id}");
        await Publish("resolved", ItemOf(appeal), "denied", moderator.UserId);
        return new ReviewOutcome(appeal.Id, ReviewKind.Appeal, "denied", null);
    }

    public async Task Archive(ChatMessage original)
    {
        ArchiveOriginal(original);
        await state.WriteStateAsync();
    }

    public async Task<ChatMessage> Restore(string channelId, long seq, Actor moderator)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator);
        InputRules.RequireId(channelId, "channel id");
        var report = S.Reports.Find(r => r.Hidden && r.Message.ChannelId == channelId && r.Message.Seq == seq);
        var original = report?.Message ?? S.Removed.Find(m => m.ChannelId == channelId && m.Seq == seq)
            ?? throw new CommunityException(ErrorCodes.NotFound, $"No removed message {seq} in channel '{channelId}' can be restored (the latest {MaxArchived} removals can).");
        await Channel(channelId).Restore(original);
        S.Removed.RemoveAll(m => m.ChannelId == channelId && m.Seq == seq);
        if (report is not null)
        {
            S.Reports.Remove(report);
            Score(report.Reporters, upheld: false);
        }

        await state.WriteStateAsync();
        await Audit(moderator.UserId, "restore", Target(original), "");
        if (report is not null)
        {
            await Publish("resolved", ItemOf(report), "kept", moderator.UserId);
        }

        return original;
    }

    private void ArchiveOriginal(ChatMessage original)
    {
        S.Removed.RemoveAll(m => m.ChannelId == original.ChannelId && m.Seq == original.Seq);
        S.Removed.Add(original);
        if (S.Removed.Count > MaxArchived)
        {
            S.Removed.RemoveRange(0, S.Removed.Count - MaxArchived);
        }
    }

    private void Score(IEnumerable<string> reporters, bool upheld)
    {
        foreach (var reporter in reporters)
        {
            if (!S.Reporters.TryGetValue(reporter, out var record))
            {
                if (S.Reporters.Count >= MaxReporterRecords)
                {
                    // Forget the reporter with the least history: their accuracy says the least.
                    S.Reporters.Remove(S.Reporters.MinBy(r => r.Value.Upheld + r.Value.Dismissed).Key);
                }

                S.Reporters[reporter] = record = new ReporterRecord();
            }

            if (upheld)
            {
                record.Upheld++;
            }
            else
            {
                record.Dismissed++;
            }
        }
    }

    private async Task<ChatMessage> ReadMessage(string channelId, long seq)
    {
        var page = await Channel(channelId).GetHistory(seq - 1, 1);
        var message = page.Messages.FirstOrDefault(m => m.Seq == seq) ?? throw CommunityException.NotFound($"Message {seq} in channel '{channelId}'");
        return message.Removed ? throw CommunityException.Invalid("This message was already removed.") : message;
    }

    private ReviewItem ItemOf(HeldMessage held) =>
        new(held.Id, ReviewKind.Held, held.ChannelId, 0, held.AuthorId, held.AuthorName, held.Text, held.Reason, 0, ReviewPriority.Held, held.HeldAt, true, null, held.ThreadId);

    private static string Place(HeldMessage held) => held.ThreadId is { } thread ? $"thread {thread}" : $"#{held.ChannelId}";

    private ReviewItem ItemOf(ReportCase report)
    {
        var priority = ReviewPriority.ForReport(report.Reporters.Select(r =>
            S.Reporters.TryGetValue(r, out var record) ? ReviewPriority.Accuracy(record.Upheld, record.Dismissed) : ReviewPriority.Accuracy(0, 0)));
        return new(report.Id, ReviewKind.Report, report.Message.ChannelId, report.Message.Seq, report.Message.AuthorId, report.Message.AuthorName,
            report.Message.Text, string.Join("; ", report.Reasons), report.Reporters.Count, Math.Round(priority, 3), report.CreatedAt, report.Hidden, null);
    }

    private static ReviewItem ItemOf(AppealCase appeal) =>
        new(appeal.Id, ReviewKind.Appeal, "", 0, appeal.UserId, appeal.UserName, appeal.Text,
            $"appeal against {appeal.Sanction.Kind.ToString().ToLowerInvariant()}: {appeal.Sanction.Reason}", 0, ReviewPriority.Appeal, appeal.CreatedAt, false, appeal.Sanction.Id);

    private AppealCase FindAppeal(string itemId) =>
        S.Appeals.Find(a => a.Id == itemId) ?? throw CommunityException.NotFound($"Review item '{itemId}'");

    private static string RequireReason(string? reason) =>
        reason is { Length: > MaxReasonLength } ? throw CommunityException.Invalid($"A reason has at most {MaxReasonLength} characters.") : reason?.Trim() ?? "";

    private static string Target(ChatMessage message) => $"{message.ChannelId}#{message.Seq} by {message.AuthorId}";

    private IChannelGrain Channel(string channelId) => GrainFactory.GetGrain<IChannelGrain>(new ChannelKey(CommunityId, channelId).ToString());

    private Task Audit(string actor, string action, string target, string reason) =>
        GrainFactory.GetGrain<IAuditLogGrain>(CommunityId).Append(actor, action, target, reason);

    private Task Notify(string userId, string kind, string text, string sourceId) =>
        GrainFactory.GetGrain<INotificationInboxGrain>(userId).Post(new NotificationDraft(CommunityId, kind, text, sourceId));

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
