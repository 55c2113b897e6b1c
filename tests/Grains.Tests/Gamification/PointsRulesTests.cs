using CommunityScale.Gamification;

namespace CommunityScale.Grains.Tests.Gamification;

[Trait("Area", "Gamification")]
public sealed class PointsRulesTests
{
    [Theory]
    [InlineData(1, 4)]
    [InlineData(2, 4)]
    [InlineData(3, 2)]
    [InlineData(4, 1)]
    [InlineData(5, 0)]
    [InlineData(6, 0)]
    [InlineData(0, 0)]
    public void Points_are_full_then_diminish_by_half_then_stop_at_the_daily_cap(int nthToday, int expected) =>
        Assert.Equal(expected, PointsMath.Award(new ActionRule(4, FullPerDay: 2, DailyCap: 5), nthToday));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(9, 0)]
    [InlineData(10, 1)]
    [InlineData(49, 1)]
    [InlineData(50, 2)]
    [InlineData(1_000_000, 3)]
    public void Levels_count_the_thresholds_reached(long points, int level)
    {
        long[] thresholds = [10, 50, 150];
        Assert.Equal(level, PointsMath.LevelFor(points, thresholds));
        Assert.Equal(level < 3 ? thresholds[level] : null, PointsMath.NextLevelAt(level, thresholds));
    }

    [Theory]
    [InlineData("2026-11-23T00:00:00Z", "2026-W48")]
    [InlineData("2026-11-29T23:59:59Z", "2026-W48")]
    [InlineData("2026-11-30T00:00:00Z", "2026-W49")]
    [InlineData("2026-11-29T23:30:00-02:00", "2026-W49")]
    [InlineData("2027-01-01T12:00:00Z", "2026-W53")]
    [InlineData("2027-01-04T00:00:00Z", "2027-W01")]
    public void Weekly_boards_follow_iso_weeks_in_utc(string at, string week) =>
        Assert.Equal(week, Leaderboards.IsoWeek(DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Members_spread_over_every_shard_and_always_land_on_the_same_one()
    {
        var shards = Enumerable.Range(0, 10_000).Select(i => Leaderboards.ShardOf($"member-{i}")).ToList();
        Assert.Equal(Leaderboards.Shards, shards.Distinct().Count());
        Assert.All(shards.GroupBy(s => s), g => Assert.InRange(g.Count(), 400, 900));
        Assert.Equal(Leaderboards.ShardOf("ann"), Leaderboards.ShardOf("ann"));
    }
}
