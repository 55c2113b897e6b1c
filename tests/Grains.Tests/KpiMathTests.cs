using CommunityScale.Communities;
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
}
