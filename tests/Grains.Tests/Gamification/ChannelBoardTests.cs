using CommunityScale.Gamification;

namespace CommunityScale.Grains.Tests.Gamification;

/// <summary>A channel's board is one shard now; boards written over 16 shards before keep every member.</summary>
[Collection(SharedCluster.Name)]
[Trait("Area", "Gamification")]
public sealed class ChannelBoardTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Client;

    /// <summary>Writes each member's total where a board of 16 shards kept it (as the silo did before channel boards had one).</summary>
    private async Task<BoardKey> BoardWrittenOverSixteenShards(IReadOnlyDictionary<string, long> totals)
    {
        var board = new BoardKey($"cb-{Guid.NewGuid():n}", Leaderboards.ForChannel("live"));
        foreach (var shard in totals.GroupBy(t => StableHash.Bucket(t.Key, Leaderboards.Shards)))
        {
            await Grains.LeaderboardShard(board.Shard(shard.Key)).SetMany([.. shard.Select(t => new LeaderboardEntry(0, t.Key, t.Key, t.Value))]);
        }

        return board;
    }

    [Fact]
    public async Task A_channel_board_written_over_sixteen_shards_reads_whole_with_the_newer_totals_and_its_former_shards_emptied()
    {
        var totals = Enumerable.Range(0, 60).ToDictionary(i => $"m{i}", i => (long)(i * 7 % 50));
        var board = await BoardWrittenOverSixteenShards(totals);
        Assert.Equal(Leaderboards.Shards, totals.Keys.Select(u => StableHash.Bucket(u, Leaderboards.Shards)).Distinct().Count());

        // An award since the change goes to the board's one shard, above the total its former shard still holds.
        var moved = totals.Keys.First(u => StableHash.Bucket(u, Leaderboards.Shards) != 0);
        totals[moved] = 500;
        await Leaderboards.Shard(Grains, board.CommunityId, board.Board, moved).SetMany([new LeaderboardEntry(0, moved, moved, 500)]);

        var page = await Grains.Leaderboard(board).Page(0, 100);
        var expected = totals.Select(t => new LeaderboardEntry(0, t.Key, t.Key, t.Value)).ToList();
        expected.Sort(Leaderboards.Compare);
        Assert.Equal(totals.Count, page.Members);
        Assert.Equal(expected.Select(e => (e.UserId, e.Points)), page.Entries.Select(e => (e.UserId, e.Points)));
        Assert.Equal(1, (await Grains.Leaderboard(board).Me(moved))!.Rank);
        foreach (var former in Enumerable.Range(1, Leaderboards.Shards - 1))
        {
            Assert.Equal(0, await Grains.LeaderboardShard(board.Shard(former)).Count());
        }
    }

    [Fact]
    public async Task Erasing_a_member_reaches_their_entry_on_a_former_shard_of_a_channel_board()
    {
        var totals = Enumerable.Range(0, 30).ToDictionary(i => $"e{i}", i => (long)i + 1);
        var board = await BoardWrittenOverSixteenShards(totals);
        var erased = totals.Keys.First(u => StableHash.Bucket(u, Leaderboards.Shards) != 0);

        // As the erasure does (MemberDataStores): the shard the member's entry lives on now.
        await Leaderboards.Shard(Grains, board.CommunityId, board.Board, erased).Remove(erased);

        var page = await Grains.Leaderboard(board).Page(0, 100);
        Assert.Equal(totals.Count - 1, page.Members);
        Assert.DoesNotContain(page.Entries, e => e.UserId == erased);
        Assert.Null(await Grains.Leaderboard(board).Me(erased));
        Assert.Empty(await Grains.LeaderboardShard(board.Shard(StableHash.Bucket(erased, Leaderboards.Shards))).Top(100));
    }
}
