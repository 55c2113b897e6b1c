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

    /// <summary>How often unchanged non-zero counts are re-reported, so the presence grain knows this gateway is alive.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PresenceRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often a channel with listeners but no recent event is asked for its last seq, so that a dropped final event
    /// (which no later event would reveal as a gap) still reaches clients.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan CatchUpInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A channel's connections on this gateway are split into this many groups, each sent to by its own ordered queue, so
    /// one hot channel's group sends use every core (0 = one per processor). A connection stays in one group, so its
    /// order holds.
    /// </summary>
    [Range(0, 64)]
    public int RelayShards { get; set; }
}
