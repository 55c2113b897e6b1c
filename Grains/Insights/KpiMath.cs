using System.Globalization;
using CommunityScale.Communities;
using CommunityScale.Errors;

namespace CommunityScale.Insights;

/// <summary>
/// The KPI definitions, as pure functions of the week buckets' day slices (unit-tested; docs/api.md states them).
/// Active members are exact distinct sets: a period's count is the size of the union of its days' sets.
/// </summary>
public static class KpiMath
{
    public const int MaxRangeDays = 731;

    public static void RequireRange(DateOnly from, DateOnly to)
    {
        if (to < from || to.DayNumber - from.DayNumber + 1 > MaxRangeDays)
        {
            throw CommunityException.Invalid($"from must not be after to, and a range covers at most {MaxRangeDays} days (two years).");
        }
    }

    public static string Week(DateOnly day) => Gamification.Leaderboards.IsoWeek(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));

    /// <summary>The ISO weeks touching [from, to], in order.</summary>
    public static IReadOnlyList<string> Weeks(DateOnly from, DateOnly to)
    {
        var weeks = new List<string>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            var week = Week(day);
            if (weeks.Count == 0 || weeks[^1] != week)
            {
                weeks.Add(week);
            }
        }

        return weeks;
    }

    /// <summary>A member's profile as tags (<c>field=value</c>), the form activity is recorded in.</summary>
    public static IReadOnlyList<string> Tags(IReadOnlyDictionary<string, IReadOnlyList<string>>? profile) =>
        profile is null ? [] : [.. profile.SelectMany(f => f.Value.Select(v => $"{f.Key}={v}")).Order(StringComparer.Ordinal)];

    public static bool Matches(Segment segment, IReadOnlyList<string> tags) =>
        segment.Where.All(w => tags.Contains($"{w.Key}={w.Value}", StringComparer.Ordinal));

    public static KpiReport Report(string communityId, DateOnly from, DateOnly to, Segment segment, IEnumerable<KpiDaySlice> slices)
    {
        var days = slices.Where(s => s.Day >= from && s.Day <= to).OrderBy(s => s.Day).ToList();
        var dayRows = new List<KpiDayRow>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            var slice = days.FirstOrDefault(s => s.Day == day);
            dayRows.Add(slice is null ? new KpiDayRow(communityId, day, 0, 0, 0, 0, 0, 0, KpiSentimentShares.None) : Row(communityId, slice));
        }

        var weeks = days.GroupBy(s => Week(s.Day)).ToDictionary(g => g.Key, g => g.ToList());
        var weekRows = Weeks(from, to).Select(w => weeks.TryGetValue(w, out var ds) ? Period(w, ds) : new KpiPeriodRow(w, 0, 0, KpiSentimentShares.None)).ToList();
        var monthRows = dayRows.Select(r => Month(r.Day)).Distinct()
            .Select(m => Period(m, [.. days.Where(s => Month(s.Day) == m)])).ToList();

        var firstReplies = days.SelectMany(s => s.FirstReplySeconds).ToList();
        var accepted = days.SelectMany(s => s.AcceptedAnswerSeconds).ToList();
        var surveys = days.SelectMany(s => s.Surveys).ToList();
        (double Average, double Csat, double Nps)? scores = surveys.Count == 0 ? null : Events.SurveyMath.Scores(surveys);
        var (messages, threads, replies, reactions) = (days.Sum(s => s.Messages), days.Sum(s => s.Threads), days.Sum(s => s.Replies), days.Sum(s => s.Reactions));
        var posts = messages + threads + replies;
        var totals = new KpiTotals(
            Distinct(days), posts, messages, threads, replies, reactions, Engagement(reactions, replies, posts),
            firstReplies.Count, MedianMinutes(firstReplies), accepted.Count, MedianMinutes(accepted),
            surveys.Count, scores?.Average, scores?.Csat, scores?.Nps,
            days.Sum(s => s.Joined.Count), Shares(days.SelectMany(SentimentOf)));
        return new KpiReport(communityId, from, to, segment.ToString(), totals, dayRows, weekRows, monthRows, Cohorts(days, weekRows.Select(w => w.Period).ToList()),
            Breakdown(days.SelectMany(SentimentOf)));
    }

    /// <summary>
    /// Each class's count and share of the scored texts, rounded to 3 places (0 without any). Only counts without a
    /// campaign are taken: those with one repeat a text for each campaign it counted towards.
    /// </summary>
    public static KpiSentimentShares Shares(IEnumerable<KpiSentimentCount> counts) => Sum(counts.Where(c => c.CampaignId is null));

    /// <summary>Sentiment per channel (chat), per campaign, and per source kind, each list in key order.</summary>
    public static KpiSentimentBreakdown Breakdown(IEnumerable<KpiSentimentCount> counts)
    {
        var all = counts.ToList();
        var once = all.Where(c => c.CampaignId is null).ToList();
        return new KpiSentimentBreakdown(
            Groups(once.Where(c => c.ChannelId is not null), c => c.ChannelId!),
            Groups(all.Where(c => c.CampaignId is not null), c => c.CampaignId!),
            Groups(once, c => c.Source));
    }

    private static IReadOnlyList<KpiSentimentGroup> Groups(IEnumerable<KpiSentimentCount> counts, Func<KpiSentimentCount, string> key) =>
        [.. counts.GroupBy(key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new KpiSentimentGroup(g.Key, Sum(g)))];

    private static KpiSentimentShares Sum(IEnumerable<KpiSentimentCount> counts)
    {
        var (negative, neutral, positive) = (0L, 0L, 0L);
        foreach (var c in counts)
        {
            (negative, neutral, positive) = (negative + c.Negative, neutral + c.Neutral, positive + c.Positive);
        }

        var scored = negative + neutral + positive;
        double Share(long n) => scored == 0 ? 0 : Math.Round((double)n / scored, 3);
        return new KpiSentimentShares(scored, negative, neutral, positive, Share(negative), Share(neutral), Share(positive));
    }

    private static IReadOnlyList<KpiSentimentCount> SentimentOf(KpiDaySlice slice) => slice.Sentiment ?? [];

    /// <summary>(reactions + replies) / posts, where posts are messages, threads and replies; 0 without posts.</summary>
    public static double Engagement(long reactions, long replies, long posts) => posts == 0 ? 0 : Math.Round((double)(reactions + replies) / posts, 3);

    public static double? MedianMinutes(IReadOnlyList<double> seconds)
    {
        if (seconds.Count == 0)
        {
            return null;
        }

        var sorted = seconds.Order().ToList();
        var middle = sorted.Count / 2;
        var median = sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return Math.Round(median / 60, 2);
    }

    /// <summary>Members by the week they joined (within the range), and the share of them active in each week since.</summary>
    public static IReadOnlyList<CohortRow> Cohorts(IReadOnlyList<KpiDaySlice> days, IReadOnlyList<string> weeks)
    {
        var activeByWeek = days.GroupBy(s => Week(s.Day)).ToDictionary(g => g.Key, g => g.SelectMany(s => s.Active).ToHashSet(StringComparer.Ordinal));
        return [.. days.GroupBy(s => Week(s.Day))
            .Select(g => (Week: g.Key, Members: g.SelectMany(s => s.Joined).ToHashSet(StringComparer.Ordinal)))
            .Where(c => c.Members.Count > 0)
            .OrderBy(c => c.Week, StringComparer.Ordinal)
            .Select(c => new CohortRow(c.Week, c.Members.Count, [.. weeks.Where(w => string.CompareOrdinal(w, c.Week) >= 0).Select(w =>
            {
                var active = activeByWeek.TryGetValue(w, out var set) ? c.Members.Count(set.Contains) : 0;
                return new CohortWeek(w, active, Math.Round((double)active / c.Members.Count, 3));
            })]))];
    }

    public static KpiDayRow Row(string communityId, KpiDaySlice s)
    {
        var posts = s.Messages + s.Threads + s.Replies;
        return new KpiDayRow(communityId, s.Day, s.Active.Count, posts, s.Reactions, s.Replies, Engagement(s.Reactions, s.Replies, posts), s.Joined.Count, Shares(SentimentOf(s)));
    }

    private static KpiPeriodRow Period(string period, IReadOnlyList<KpiDaySlice> days) =>
        new(period, Distinct(days), days.Sum(s => s.Messages + s.Threads + s.Replies), Shares(days.SelectMany(SentimentOf)));

    private static long Distinct(IEnumerable<KpiDaySlice> days) => days.SelectMany(s => s.Active).Distinct(StringComparer.Ordinal).LongCount();

    private static string Month(DateOnly day) => day.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
