using CommunityScale.Chat;

namespace CommunityScale.Moderation;

/// <summary>How the queue's cases look to moderators: one <see cref="ReviewItem"/> each, ordered by <see cref="ReviewPriority"/>.</summary>
public static class ReviewItems
{
    public static ReviewItem Of(HeldMessage held) =>
        new(held.Id, ReviewKind.Held, held.ChannelId, 0, held.AuthorId, held.AuthorName, held.Text, held.Reason, 0, ReviewPriority.Held, held.HeldAt, true, null, held.ThreadId);

    /// <summary>A report ranks by how often its reporters were right before.</summary>
    public static ReviewItem Of(ReportCase report, IReadOnlyDictionary<string, ReporterRecord> reporters)
    {
        var priority = ReviewPriority.ForReport(report.Reporters.Select(r =>
            reporters.TryGetValue(r, out var record) ? ReviewPriority.Accuracy(record.Upheld, record.Dismissed) : ReviewPriority.Accuracy(0, 0)));
        return new(report.Id, ReviewKind.Report, report.Message.ChannelId, report.Message.Seq, report.Message.AuthorId, report.Message.AuthorName,
            report.Message.Text, string.Join("; ", report.Reasons), report.Reporters.Count, Math.Round(priority, 3), report.CreatedAt, report.Hidden, null);
    }

    public static ReviewItem Of(AppealCase appeal) =>
        new(appeal.Id, ReviewKind.Appeal, "", 0, appeal.UserId, appeal.UserName, appeal.Text,
            $"appeal against {appeal.Sanction.Kind.ToString().ToLowerInvariant()}: {appeal.Sanction.Reason}", 0, ReviewPriority.Appeal, appeal.CreatedAt, false, appeal.Sanction.Id);

    /// <summary>Where a held item was written, as the audit log and notices name it.</summary>
    public static string Place(HeldMessage held) => held.ThreadId is { } thread ? $"thread {thread}" : $"#{held.ChannelId}";

    public static string Target(ChatMessage message) => $"{message.ChannelId}#{message.Seq} by {message.AuthorId}";
}
