using CommunityScale.Communities;
using CommunityScale.Gamification;
using CommunityScale.Insights;

namespace CommunityScale.Grains.Tests;

[Trait("Area", "Insights")]
public sealed class KpiMathTests
{
    private static readonly DateOnly Monday = new(2026, 11, 23);

    private static KpiDaySlice Day(DateOnly day, string[] active, long messages = 0, string[]? joined = null) =>
        new(day, active, messages, 0, 0, 0, joined ?? [], [], [], []);

    [Fact]
    public void Period_counts_are_distinct_unions_not_sums_of_days()
    {
        var report = KpiMath.Report("c", Monday, Monday.AddDays(8),
            Segment.Everyone, [Day(Monday, ["a", "b"], 2), Day(Monday.AddDays(1), ["a"], 1), Day(Monday.AddDays(8), ["b", "c"], 1)]);
        Assert.Equal(3, report.Totals.ActiveMembers);
        Assert.Equal([(2L, 3L), (2L, 1L)], report.Weeks.Select(w => (w.ActiveMembers, w.Posts)));
        Assert.Equal(9, report.Days.Count);
        Assert.Equal(["2026-W48", "2026-W49"], report.Weeks.Select(w => w.Period));
        Assert.Equal(["2026-11", "2026-12"], report.Months.Select(m => m.Period));
        Assert.Equal([(2L, 3L), (2L, 1L)], report.Months.Select(m => (m.ActiveMembers, m.Posts)));
    }

    [Fact]
    public void Cohorts_follow_their_members_into_later_weeks()
    {
        var cohorts = KpiMath.Cohorts([Day(Monday, ["a"], joined: ["a", "b", "c", "d"]), Day(Monday.AddDays(7), ["a", "b", "x"])], ["2026-W48", "2026-W49"]);
        var cohort = Assert.Single(cohorts);
        Assert.Equal(("2026-W48", 4L), (cohort.JoinWeek, cohort.Size));
        Assert.Equal([(1L, 0.25), (2L, 0.5)], cohort.Weeks.Select(w => (w.Active, w.Share)));
    }

    [Fact]
    public void Medians_engagement_and_ranges()
    {
        Assert.Equal(2, KpiMath.MedianMinutes([60, 120, 600]));
        Assert.Equal(1.5, KpiMath.MedianMinutes([60, 120]));
        Assert.Null(KpiMath.MedianMinutes([]));
        Assert.Equal(0.5, KpiMath.Engagement(1, 1, 4));
        Assert.Equal(0, KpiMath.Engagement(3, 0, 0));
        KpiMath.RequireRange(Monday, Monday.AddDays(730));
        Assert.Throws<Errors.CommunityException>(() => KpiMath.RequireRange(Monday, Monday.AddDays(731)));
        Assert.Throws<Errors.CommunityException>(() => KpiMath.RequireRange(Monday, Monday.AddDays(-1)));
        Assert.True(KpiMath.Matches(new Segment(new Dictionary<string, string> { ["industry"] = "retail" }), ["industry=retail", "interests=football"]));
        Assert.False(KpiMath.Matches(new Segment(new Dictionary<string, string> { ["industry"] = "retail" }), []));
    }

    [Fact]
    public void Sentiment_shares_count_each_text_once_and_campaigns_stand_apart()
    {
        KpiSentimentCount Count(string source, string? channel, string? campaign, long negative, long neutral, long positive) =>
            new(source, channel, campaign, negative, neutral, positive);
        var monday = new KpiDaySlice(Monday, ["a"], 4, 0, 0, 0, [], [], [], [],
            [Count("message_accepted", "live", null, 1, 0, 2), Count("message_accepted", "live", "cheer", 1, 0, 2), Count("message_accepted", "help", null, 0, 1, 0)]);
        var tuesday = new KpiDaySlice(Monday.AddDays(1), ["a"], 0, 0, 1, 0, [], [], [], [], [Count("reply", null, null, 1, 0, 0), Count("survey_comment", null, null, 0, 0, 1)]);
        // A slice stored before sentiment existed has none, and counts as nothing scored.
        var old = new KpiDaySlice(Monday.AddDays(2), ["a"], 1, 0, 0, 0, [], [], [], []);

        var report = KpiMath.Report("c", Monday, Monday.AddDays(3), Segment.Everyone, [monday, tuesday, old]);

        Assert.Equal(new KpiSentimentShares(4, 1, 1, 2, 0.25, 0.25, 0.5), report.Days[0].Sentiment);
        Assert.Equal(new KpiSentimentShares(2, 1, 0, 1, 0.5, 0, 0.5), report.Days[1].Sentiment);
        Assert.Equal(KpiSentimentShares.None, report.Days[2].Sentiment);
        Assert.Equal(KpiSentimentShares.None, report.Days[3].Sentiment);
        Assert.Equal(new KpiSentimentShares(6, 2, 1, 3, 0.333, 0.167, 0.5), report.Totals.Sentiment);
        Assert.Equal(report.Totals.Sentiment, Assert.Single(report.Weeks).Sentiment);
        Assert.Equal(report.Totals.Sentiment, Assert.Single(report.Months).Sentiment);

        var breakdown = report.SentimentBreakdown!;
        Assert.Equal([("help", 1L, 0L, 1L, 0L), ("live", 3L, 1L, 0L, 2L)], breakdown.Channels.Select(g => (g.Key, g.Sentiment.Scored, g.Sentiment.Negative, g.Sentiment.Neutral, g.Sentiment.Positive)));
        Assert.Equal([("cheer", 3L, 0.667)], breakdown.Campaigns.Select(g => (g.Key, g.Sentiment.Scored, g.Sentiment.PositiveShare)));
        Assert.Equal([("message_accepted", 4L), ("reply", 1L), ("survey_comment", 1L)], breakdown.Sources.Select(g => (g.Key, g.Sentiment.Scored)));
    }

    [Fact]
    public void Deltas_count_a_scored_post_once_per_day_and_again_per_campaign_and_ignore_what_is_not_a_known_label()
    {
        var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        ActivityEvent Post(string kind, string? sentiment, string? channel = "live") => new($"s{Guid.NewGuid():n}", "c", "u", "U", kind, at, channel, Sentiment: sentiment);
        var deltas = new KpiDeltas();
        deltas.Add(Post(ActionKinds.MessageAccepted, SentimentLabels.Positive), ["cheer", "kickoff"]);
        deltas.Add(Post(ActionKinds.MessageAccepted, SentimentLabels.Negative));
        deltas.Add(Post(ActionKinds.MessageAccepted, "ecstatic"));
        deltas.Add(Post(ActionKinds.MessageAccepted, null));
        // Only posts are scored: a label on anything else is not counted.
        deltas.Add(Post(ActionKinds.ReactionReceived, SentimentLabels.Negative));
        var later = new KpiDeltas();
        later.Add(Post(ActionKinds.Reply, SentimentLabels.Neutral, channel: null));
        later.Add(Post(ActionKinds.MessageAccepted, SentimentLabels.Positive));
        deltas.Add(later);

        var day = Assert.Single(deltas.For("u", ["industry=retail"]));
        Assert.Equal((5, 1, 1), (day.Messages, day.Replies, day.ReactionsReceived));
        Assert.Equal(
            [("message_accepted", "live", null, 1L, 0L, 2L), ("message_accepted", "live", "cheer", 0L, 0L, 1L), ("message_accepted", "live", "kickoff", 0L, 0L, 1L), ("reply", null, null, 0L, 1L, 0L)],
            day.Sentiment!.OrderBy(c => c.Source, StringComparer.Ordinal).ThenBy(c => c.CampaignId, StringComparer.Ordinal)
                .Select(c => (c.Source, c.ChannelId, c.CampaignId, c.Negative, c.Neutral, c.Positive)));
    }
}
