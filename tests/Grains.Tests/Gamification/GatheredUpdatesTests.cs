using CommunityScale.FollowUps;
using CommunityScale.Gamification;
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
}
