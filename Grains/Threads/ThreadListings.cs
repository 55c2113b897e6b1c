using System.Globalization;
using System.Text;
using CommunityScale.Errors;

namespace CommunityScale.Threads;

/// <summary>
/// The orders of the forum's listings and their cursors. A cursor names the last thread of a page by its sort key and
/// id, so a page never repeats or skips a thread that did not change meanwhile.
/// </summary>
public static class ThreadListings
{
    public const string Latest = "latest";
    public const string Top = "top";
    public const string Unanswered = "unanswered";

    public static string RequireSort(string? sort) => (sort ?? Latest) switch
    {
        Latest or Top or Unanswered => sort ?? Latest,
        _ => throw CommunityException.Invalid("sort must be latest, top or unanswered."),
    };

    /// <summary>One page of <paramref name="threads"/> under <paramref name="query"/>, and the cursor of the next page.</summary>
    public static ThreadListing Page(IEnumerable<ThreadSummary> threads, ThreadQuery query)
    {
        var sort = RequireSort(query.Sort);
        var after = query.Cursor is null ? ((long, string)?)null : ParseCursor(query.Cursor);
        var matching = threads.Where(t => !t.Removed
            && (query.CategoryId is null || t.CategoryId == query.CategoryId)
            && (query.Kind is null || t.Kind == query.Kind)
            && (query.Tag is null || t.Tags.Contains(query.Tag, StringComparer.Ordinal))
            && (sort != Unanswered || t.Unanswered));
        var ordered = matching.Select(t => (Key: KeyOf(t, sort), Thread: t))
            .Where(x => after is null || Before(x.Key, x.Thread.ThreadId, after.Value))
            .OrderByDescending(x => x.Key).ThenBy(x => x.Thread.ThreadId, StringComparer.Ordinal)
            .Take(query.Limit + 1)
            .ToList();
        var items = ordered.Take(query.Limit).Select(x => x.Thread).ToList();
        var next = ordered.Count > query.Limit ? Cursor(KeyOf(items[^1], sort), items[^1].ThreadId) : null;
        return new ThreadListing(items, next);
    }

    // Descending key, then ascending id: does (key, id) come after the cursor's thread?
    private static bool Before(long key, string id, (long Key, string Id) cursor) =>
        key < cursor.Key || (key == cursor.Key && string.CompareOrdinal(id, cursor.Id) > 0);

    private static long KeyOf(ThreadSummary thread, string sort) => sort switch
    {
        Top => thread.Engagement,
        Unanswered => thread.CreatedAt.UtcTicks,
        _ => thread.LastActivityAt.UtcTicks,
    };

    private static string Cursor(long key, string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{key.ToString(CultureInfo.InvariantCulture)}:{id}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (long, string) ParseCursor(string cursor)
    {
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && long.TryParse(text.AsSpan(0, colon), NumberStyles.Integer, CultureInfo.InvariantCulture, out var key) && InputRules.IsValidId(text[(colon + 1)..]))
            {
                return (key, text[(colon + 1)..]);
            }
        }
        catch (FormatException)
        {
        }

        throw CommunityException.Invalid("The cursor is not one this listing gave out.");
    }
}
