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
        var shards = Enumerable.Range(0, 10_000).Select(i => Leaderboards.ShardOf(Leaderboards.AllTime, $"member-{i}")).ToList();
        Assert.Equal(Leaderboards.Shards, shards.Distinct().Count());
        Assert.All(shards.GroupBy(s => s), g => Assert.InRange(g.Count(), 400, 900));
        Assert.Equal(Leaderboards.ShardOf(Leaderboards.AllTime, "ann"), Leaderboards.ShardOf(Leaderboards.AllTime, "ann"));
        // A channel's board is one shard, whatever the member.
        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(0, Leaderboards.ShardOf(Leaderboards.ForChannel("general"), $"member-{i}")));
    }
}

[Trait("Area", "Gamification")]
public sealed class RecognitionRulesTests
{
    private static readonly DateOnly Monday = new(2026, 11, 23);

    [Fact]
    public void A_streak_grows_on_consecutive_days_holds_within_a_day_and_restarts_after_a_gap()
    {
        Assert.Equal(1, Streaks.Next(null, 0, Monday));
        Assert.Equal(1, Streaks.Next(Monday, 1, Monday));
        Assert.Equal(2, Streaks.Next(Monday, 1, Monday.AddDays(1)));
        Assert.Equal(1, Streaks.Next(Monday, 5, Monday.AddDays(2)));
        Assert.Equal(5, Streaks.Next(Monday, 5, Monday.AddDays(-3)));
    }

    [Fact]
    public void Local_days_follow_the_members_time_zone()
    {
        var lateUtc = new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero);
        Assert.Equal(Monday, Streaks.LocalDay(lateUtc, TimeZoneInfo.Utc));
        Assert.Equal(Monday.AddDays(1), Streaks.LocalDay(lateUtc, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")));
        Assert.Equal(Monday, Streaks.LocalDay(lateUtc.AddHours(3), TimeZoneInfo.FindSystemTimeZoneById("America/New_York")));
    }

    [Fact]
    public void Badges_come_in_tiers_from_counts_and_streaks()
    {
        Assert.Empty(BadgeRules.Qualifying(new Dictionary<string, long>(), 0));
        Assert.Equal([("first_message", BadgeTier.Bronze)], BadgeRules.Qualifying(new Dictionary<string, long> { [ActionKinds.MessageAccepted] = 9 }, 6));
        var many = BadgeRules.Qualifying(new Dictionary<string, long> { [ActionKinds.MessageAccepted] = 150, [ActionKinds.AnswerAccepted] = 1 }, 30).ToList();
        Assert.Equal(
            [("first_message", BadgeTier.Bronze), ("first_answer", BadgeTier.Bronze), ("messages", BadgeTier.Bronze), ("messages", BadgeTier.Silver), ("streak", BadgeTier.Bronze), ("streak", BadgeTier.Silver)],
            many);
    }

    [Fact]
    public void Self_reactions_earn_nothing_and_one_reactor_feeding_a_member_is_dampened()
    {
        Assert.Equal(0, ReactionFarming.Factor("ann", "ann", []));
        Assert.Equal(1, ReactionFarming.Factor("bob", "ann", []));
        string[] mixed = ["bob", "cid", "dee", "eve", "bob", "fay", "gus", "hal", "ivy", "jon"];
        Assert.Equal(1, ReactionFarming.Factor("bob", "ann", mixed));
        string[] ring = [.. Enumerable.Repeat("bob", 6), "cid", "dee", "eve", "fay"];
        Assert.Equal(0.25, ReactionFarming.Factor("bob", "ann", ring));
        Assert.Equal(1, ReactionFarming.Factor("cid", "ann", ring));
        Assert.True(ReactionFarming.Factor("bob", "ann", [.. Enumerable.Repeat("bob", 20)]) < 0.001);
    }
}
