namespace CommunityScale.Gamification;

/// <summary>Where a member's entry on a board lives: one of <see cref="Shards"/> shard grains, by a stable hash of the user id.</summary>
public static class Leaderboards
{
    public const int Shards = 16;
    public const string AllTime = "all";
    public const int MaxRead = 1_000;

    /// <summary>The board of points earned in one channel.</summary>
    public static string ForChannel(string channelId) => $"channel.{channelId}";

    public static string ForCampaign(string campaignId) => $"campaign.{campaignId}";

    public static ILeaderboardShardGrain Shard(IGrainFactory grains, string communityId, string board, string userId) =>
        grains.LeaderboardShard(ShardKey(communityId, board, userId));

    public static BoardShardKey ShardKey(string communityId, string board, string userId) => new BoardKey(communityId, board).Shard(ShardOf(userId));

    public static int ShardOf(string userId) => StableHash.Bucket(userId, Shards);

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

