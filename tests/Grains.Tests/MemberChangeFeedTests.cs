using CommunityScale.Integrations;
using CommunityScale.Scheduling;
using CommunityScale.TestSupport;

namespace CommunityScale.Grains.Tests;

/// <summary>The CRM change feed's storage: a flush writes what changed, and a restart reads back every member in order.</summary>
[Collection(ClockedCluster.Name)]
[Trait("Area", "WritePath")]
public sealed class MemberChangeFeedTests(ClockedClusterFixture fixture)
{
    [Fact]
    public async Task A_change_to_one_member_writes_that_mark_not_the_whole_feed_and_a_restart_reads_every_member_back_in_order()
    {
        var community = $"feed-{Guid.NewGuid():n}"[..20];
        var feed = fixture.Client.GetGrain<IMemberChangeFeedGrain>(community);
        var (full, recent) = ($"member-changes@memberchangefeed/{community}", $"member-changes-recent@memberchangefeed/{community}");
        var members = Enumerable.Range(0, 300).Select(i => $"member-{i:000}").ToList();

        await feed.TouchMany(members);
        var fullSize = await Stored(full);
        await feed.TouchMany(["member-005"]);
        var recentSize = await Stored(recent);
        Assert.True(recentSize * 20 < fullSize, $"one member's change wrote {recentSize} B; the whole feed is {fullSize} B");

        // A fresh activation has only storage: the full set and the marks since, the later mark of a member winning.
        await fixture.Cluster.DeactivateAsync(feed);
        var (order, next) = await feed.Members(0, 1_000);
        Assert.Equal([.. members.Where(m => m != "member-005"), "member-005"], order);
        Assert.Equal(301, next);

        // Positions are never handed out twice: a change after the restart comes after every earlier one.
        await feed.TouchMany(["member-007"]);
        var (after, last) = await feed.Members(301, 10);
        Assert.Equal(["member-007"], after);
        Assert.Equal(302, last);
    }

    [Theory]
    [InlineData(0, 0, 1, false)]
    [InlineData(0, 0, 64, true)]
    [InlineData(1_000, 0, 999, false)]
    [InlineData(1_000, 900, 99, false)]
    [InlineData(1_000, 900, 100, true)]
    public void The_full_set_is_written_again_once_the_partial_writes_since_cost_as_much(int full, long written, int partial, bool fullWrite) =>
        Assert.Equal(fullWrite, SnapshotRule.TimeForFullWrite(full, written, partial));

    private async Task<int> Stored(string record)
    {
        var size = 0;
        await Responses.Eventually(() => Task.FromResult((size = fixture.Storage.SizeOf(record) ?? 0) > 0), $"{record} to be written behind", TimeSpan.FromSeconds(20));
        return size;
    }
}
