using System.Diagnostics.Metrics;

namespace CommunityScale.Gateway.Telemetry;

/// <summary>The gateway's own meter: connections, refusals by code, and what the relay delivers and how late.</summary>
public static class GatewayMetrics
{
    public const string MeterName = "CommunityScale.Gateway";

    private static readonly Meter Meter = new(MeterName);

    public static readonly UpDownCounter<long> Connections = Meter.CreateUpDownCounter<long>("gateway.connections", "{connection}", "Live hub connections on this gateway");

    public static readonly Counter<long> AccessDrops = Meter.CreateCounter<long>("gateway.access.drops", "{connection}", "Connections dropped from a channel after an access change took view away");

    public static readonly Counter<long> SendsAccepted = Meter.CreateCounter<long>("chat.sends.accepted", "{send}", "Sends acked through this gateway");

    public static readonly Counter<long> SendsRefused = Meter.CreateCounter<long>("chat.sends.refused", "{send}", "Sends refused, tagged with the error code");

    public static readonly Counter<long> SendsResent = Meter.CreateCounter<long>("chat.sends.resent", "{send}", "Sends sent again at once because a silo connection closed while they waited");

    public static readonly Counter<long> GroupSends = Meter.CreateCounter<long>("relay.group_sends", "{message}", "Messages relayed (one SignalR group send each)");

    public static readonly Counter<long> Deliveries = Meter.CreateCounter<long>("relay.deliveries", "{delivery}", "Messages relayed times the local connections in the channel");

    public static readonly Histogram<double> RelayLag = Meter.CreateHistogram<double>("relay.lag", "ms", "From the message's acceptance to its relay by this gateway");
}
