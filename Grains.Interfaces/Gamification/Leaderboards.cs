namespace CommunityScale.Gamification;

/// <summary>
/// Where a member's entry on a board lives: one of the board's shard grains (<see cref="ShardsOf"/>), by a stable hash of
/// the user id.
/// </summary>
public static class Leaderboards
{
    /// <summary>Shards of a community-wide board (all-time, weekly, a campaign's): every member of the community may be on it.</summary>
    public const int Shards = 16;

    /// <summary>
    /// Shards of a channel's board: one. Writes to a board come gathered per silo (one call a second, whatever the number
    /// of authors), so sharding spreads no load there; it only spreads a channel's few earners over grains that each
    /// activate, read and write their own state. With 16, a quiet channel's award usually woke a shard of its own (many
    /// channels benchmark: ≈ 0.25 shard activations, each a storage read, per message). Boards written with 16 shards are
    /// merged into the one on its first read (<c>LeaderboardShardGrain</c>).
    /// </summary>
    public const int ChannelShards = 1;

    private const string ChannelPrefix = "channel.";
    public const string AllTime = "all";
    public const int MaxRead = 1_000;

    /// <summary>The board of points earned in one channel.</summary>
    public static string ForChannel(string channelId) => ChannelPrefix + channelId;

    public static string ForCampaign(string campaignId) => $"campaign.{campaignId}";

    public static ILeaderboardShardGrain Shard(IGrainFactory grains, string communityId, string board, string userId) =>
        grains.LeaderboardShard(ShardKey(communityId, board, userId));

    public static BoardShardKey ShardKey(string communityId, string board, string userId) => new BoardKey(communityId, board).Shard(ShardOf(board, userId));

    public static int ShardOf(string board, string userId) => StableHash.Bucket(userId, ShardsOf(board));

    public static int ShardsOf(string board) => board.StartsWith(ChannelPrefix, StringComparison.Ordinal) ? ChannelShards : Shards;

    /// <summary>Orders entries as boards rank them: more points first, then by user id so ties have one order.</summary>
    public static int Compare(LeaderboardEntry a, LeaderboardEntry b)
    {
        var byPoints = b.Points.CompareTo(a.Points);
        return byPoints != 0 ? byPoints : string.CompareOrdinal(a.UserId, b.UserId);
    }

    /// <summary>The ISO 8601 week (UTC) an instant falls in, e.g. <c>2026-W48</c>: weekly boards start on Monday 00:00 UTC.</summary>
    public static string IsoWeek(DateTimeOffset at)
    {
        var day = at.UtcDateTime;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{System.Globalization.ISOWeek.GetYear(day)}-W{System.Globalization.ISOWeek.GetWeekOfYear(day):00}");
    }
}

