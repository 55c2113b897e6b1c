using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Gateway.Hosting;

/// <summary>Gateway behaviour, bound from the <c>Gateway</c> section.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Messages a join returns when the client has none yet.</summary>
    [Range(0, 200)]
    public int RecentOnJoin { get; set; } = 50;

    /// <summary>At most this many missed messages come back from a join with <c>afterSeq</c>; the rest are paged over REST (<c>hasMore</c>).</summary>
    [Range(1, 200)]
    public int JoinBacklogLimit { get; set; } = 200;

    /// <summary>The largest hub frame accepted; a larger one closes the connection before it reaches a grain.</summary>
    [Range(1024, 1024 * 1024)]
    public long MaxHubMessageBytes { get; set; } = 32 * 1024;

    /// <summary>How often changed online counts are reported to the channels' presence grains (one call per changed channel).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PresenceReportInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often this gateway tells the cluster it is alive (one call, <c>IGatewayRegistryGrain</c>): presence grains keep
    /// its counts while it does. Well within the silo's <c>Presence:GatewayExpiry</c>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PresenceRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often an unchanged non-zero count is sent again, so a presence grain that lost its counts (its silo died) has
    /// them back. One call per channel here per interval: every 10 s, 4,000 channels on each of 4 gateways made 1,600 calls a
    /// second, more than their messages (docs/capacity.md). Below Orleans' idle-grain collection age (15 min), so a
    /// presence grain stays active between them.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PresenceResendInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often a channel with listeners but no recent event is asked for its last seq, so that a dropped final event
    /// (which no later event would reveal as a gap) still reaches clients.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan CatchUpInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often a quiet channel is asked instead while nothing suggests lost events: only a silo's loss (or a gap seen
    /// in a feed) loses stream events, and with thousands of quiet channels a check every <see cref="CatchUpInterval"/>
    /// after each message was one grain call a message (docs/performance.md); at 30 s, 4,000 quiet channels on each of 4
    /// gateways were 533 calls a second. A lost final event then reaches clients within this time, and within
    /// <see cref="CatchUpInterval"/> while the cluster is unsettled.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan CalmCatchUpInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The most feeds this gateway asks for their last seq per second. Past it, due feeds wait their turn (longest
    /// waiting first): after a silo's loss every feed is due every <see cref="CatchUpInterval"/>, and 16,000 feeds per
    /// gateway made 8,000 calls a second of a cluster already short of one silo.
    /// </summary>
    [Range(1, 1_000_000)]
    public int CatchUpsPerSecond { get; set; } = 200;

    /// <summary>How long after the gateway's cluster connections change or a feed shows a gap, the feeds it had then are asked every <see cref="CatchUpInterval"/> when quiet.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan UnsettledPeriod { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A channel's connections on this gateway are split into this many groups, each sent to by its own ordered queue, so
    /// one hot channel's group sends use every core (0 = one per processor). A connection stays in one group, so its
    /// order holds.
    /// </summary>
    [Range(0, 64)]
    public int RelayShards { get; set; }
}
