using CommunityScale.FollowUps;
using CommunityScale.Communities;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Options;
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

        // One RecordMany, one-way: the bucket has it once it answers a later call.
        await gathered.Flush();
        var slice = await Eventually(async () => (await week.Read(Segment.Everyone)).SingleOrDefault(d => d.Day == day && d.Messages == 6));
        Assert.Equal(["ann", "bob"], slice.Active.Order(StringComparer.Ordinal));
    }

    [Fact]
    [Trait("Area", "Privacy")]
    public async Task Kpi_activity_that_arrives_after_its_members_erasure_counts_under_the_pseudonym_not_the_id()
    {
        var community = $"gp-{Guid.NewGuid():n}"[..20];
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        var week = fixture.Client.KpiWeek(new KpiWeekKey(community, KpiMath.Week(day)));
        KpiMemberActivity Messages(int count) => new("ann", day, [], Active: true, Messages: count, Threads: 0, Replies: 0, ReactionsReceived: 0);
        await week.RecordMany([Messages(1)]);
        await week.Pseudonymise("ann", "erased-ann");

        // Gathered on another silo before the erasure reached it: it lands after.
        await week.RecordMany([Messages(2)]);
        var slice = await Eventually(async () => (await week.Read(Segment.Everyone)).SingleOrDefault(d => d.Day == day && d.Messages == 3));
        Assert.Equal(["erased-ann"], slice.Active);
    }

    private static async Task<KpiDaySlice> Eventually(Func<Task<KpiDaySlice?>> read)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            if (await read() is { } found)
            {
                return found;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
