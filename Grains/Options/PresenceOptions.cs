using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Options;

/// <summary>Presence aggregation on the silo, bound from the <c>Presence</c> configuration section.</summary>
public sealed class PresenceOptions
{
    public const string Section = "Presence";

    /// <summary>
    /// A gateway's count older than this is dropped once the gateway has also sent no heartbeat for this long (gateways
    /// send one every <c>Gateway:PresenceRefreshInterval</c>, well within it).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan GatewayExpiry { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// About how many presence deliveries a second one channel may cause: a count waits online ÷ this since the last
    /// one (see <c>PresencePacing</c>). Lower saves fan-out in big channels; higher makes their counts fresher.
    /// </summary>
    [Range(10, 1_000_000)]
    public int DeliveriesPerSecond { get; set; } = 1_000;

    /// <summary>The longest a changed count waits, however big the channel.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan MaxPublishInterval { get; set; } = TimeSpan.FromSeconds(30);
}
