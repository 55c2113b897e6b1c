using CommunityScale.FollowUps;
using CommunityScale.Communities;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Options;
using CommunityScale.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CommunityScale.Grains.Tests.Gamification;

[Collection(SharedCluster.Name)]
[Trait("Area", "Gamification")]
public sealed class GatheredUpdatesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Totals_gathered_on_a_silo_reach_the_board_as_the_latest_per_member_and_an_erased_members_never_leave()
    {
        var community = $"gu-{Guid.NewGuid():n}";
        // Ten seconds (the longest allowed): nothing leaves before the test flushes.
        await using var gathered = new GatheredUpdates(fixture.Client, Microsoft.Extensions.Options.Options.Create(new PointsOptions { BoardDelay = TimeSpan.FromSeconds(10) }),
            NullLogger<GatheredUpdates>.Instance);
        gathered.Set(community, Leaderboards.AllTime, "ann", "Ann", 5);
        gathered.Set(community, Leaderboards.AllTime, "bob", "Bob", 3);
        gathered.Set(community, Leaderboards.AllTime, "ann", "Ann", 9);
        gathered.Set(community, Leaderboards.ForChannel("live"), "eve", "Eve", 4);
        gathered.Set(community, Leaderboards.AllTime, "eve", "Eve", 4);
        gathered.Forget(community, "eve");
        var board = fixture.Client.GetGrain<ILeaderboardGrain>($"{community}/{Leaderboards.AllTime}");
        Assert.Equal(0, (await board.Page(0, 10)).Members);

        await gathered.Flush();
        Assert.Equal([("ann", 9L), ("bob", 3L)], (await board.Page(0, 10)).Entries.Select(e => (e.UserId, e.Points)));
        Assert.Equal(0, (await fixture.Client.GetGrain<ILeaderboardGrain>($"{community}/{Leaderboards.ForChannel("live")}").Page(0, 10)).Members);
    }

    [Fact]
    [Trait("Area", "WritePath")]
    public async Task Members_kpi_activity_gathered_on_a_silo_reaches_the_week_bucket_added_up_and_an_erased_members_never_does()
    {
        var community = $"gk-{Guid.NewGuid():n}"[..20];
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        await using var gathered = new GatheredUpdates(fixture.Client, Microsoft.Extensions.Options.Options.Create(new PointsOptions { BoardDelay = TimeSpan.FromSeconds(10) }),
            NullLogger<GatheredUpdates>.Instance);
        KpiMemberActivity Messages(string user, int count) => new(user, day, [], Active: true, Messages: count, Threads: 0, Replies: 0, ReactionsReceived: 0);
        gathered.Record(community, Messages("ann", 2));
        gathered.Record(community, Messages("bob", 1));
        gathered.Record(community, Messages("ann", 3));
        gathered.Record(community, Messages("eve", 4));
        gathered.Forget(community, "eve");
        var week = fixture.Client.KpiWeek(new KpiWeekKey(community, KpiMath.Week(day)));
        Assert.DoesNotContain(await week.Read(Segment.Everyone), d => d.Day == day && d.Messages > 0);

        // One RecordMany, one-way: the bucket applies it after the flush has sent it.
        await gathered.Flush();
        KpiDaySlice? slice = null;
        await Responses.Eventually(async () => (slice = (await week.Read(Segment.Everyone)).SingleOrDefault(d => d.Day == day && d.Messages > 0)) is not null,
            "the gathered activity to reach the week bucket");
        Assert.Equal(6, slice!.Messages);
        Assert.Equal(["ann", "bob"], slice.Active.Order(StringComparer.Ordinal));
    }
}
