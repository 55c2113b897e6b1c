using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Options;

/// <summary>Presence aggregation on the silo, bound from the <c>Presence</c> configuration section.</summary>
public sealed class PresenceOptions
{
    public const string Section = "Presence";

    /// <summary>A gateway's count is dropped when it has not reported for this long (gateways refresh well within it).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan GatewayExpiry { get; set; } = TimeSpan.FromSeconds(30);
}
