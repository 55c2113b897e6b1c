using CommunityScale.Chat;
using CommunityScale.Privacy;

namespace CommunityScale.Moderation;

/// <summary>
/// The queue's bookkeeping that needs no other grain: the archive of removed originals, reporters' accuracy, and what
/// the queue holds about one member (export and erasure). Changes only the state; the grain stores it.
/// </summary>
public sealed class ModerationQueueBook(Func<ModerationQueueState> state)
{
    public const int MaxArchived = 200;
    private const int MaxReporterRecords = 10_000;

    private ModerationQueueState S => state();

    public void Archive(ChatMessage original)
    {
        S.Removed.RemoveAll(m => m.ChannelId == original.ChannelId && m.Seq == original.Seq);
        S.Removed.Add(original);
        if (S.Removed.Count > MaxArchived)
        {
            S.Removed.RemoveRange(0, S.Removed.Count - MaxArchived);
        }
    }

    public void Score(IEnumerable<string> reporters, bool upheld)
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

    public MemberTrace Collect(string userId)
    {
        var s = S;
        var requests = s.Appeals.Where(a => a.UserId == userId)
            .Select(a => new ModerationRequest("appeal", $"sanction {a.Sanction.Id}", a.Text, a.CreatedAt))
            .Concat(s.Reports.Where(r => r.Reporters.Contains(userId)).Select(r => new ModerationRequest("report", $"{r.Message.ChannelId}#{r.Message.Seq}",
                string.Join(" / ", r.Reasons.Where((_, i) => i < r.ReasonAuthors.Count && r.ReasonAuthors[i] == userId)), r.CreatedAt)));
        // The copies of their messages that Erase deletes: originals of removed ones, and reported ones (without the
        // reporters or their reasons, which are others' words).
        var copies = s.Removed.Where(m => m.AuthorId == userId).Concat(s.Reports.Where(r => r.Message.AuthorId == userId).Select(r => r.Message));
        return MemberTrace.Empty with
        {
            Held = [.. s.Pending.Where(h => h.AuthorId == userId)],
            ModerationRequests = [.. requests],
            ModerationCopies = [.. copies.DistinctBy(m => (m.ChannelId, m.Seq))],
        };
    }

    /// <summary>Removes the member's items and words; true when something changed.</summary>
    public bool Erase(string userId, string pseudonym)
    {
        var s = S;
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
        return changed;
    }
}
