namespace CommunityScale.Chat;

/// <summary>
/// Which gateways are alive, for the whole cluster (key <see cref="Key"/>). Each gateway says it is every
/// <c>Gateway:PresenceRefreshInterval</c>; a channel's presence grain keeps a gateway's count while the gateway is alive,
/// however long ago that count was reported. So a gateway sends a channel's count when it changes and rarely otherwise,
/// and a crashed gateway's counts still go: liveness costs O(gateways) calls, not O(channels × gateways).
/// </summary>
[Alias("cs.IGatewayRegistryGrain")]
public interface IGatewayRegistryGrain : IGrainWithStringKey
{
    const string Key = "cluster";

    [Alias("Heartbeat")]
    Task Heartbeat(string gatewayId);

    [Alias("Alive")]
    Task<GatewayLiveness> Alive();
}

/// <summary>
/// The gateways heard from within <c>Presence:GatewayExpiry</c>. <paramref name="KnownSince"/> is when the registry began
/// listening (its activation): before it is that old, a gateway missing from <paramref name="Gateways"/> may simply not
/// have had its turn yet, so it counts as alive.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.GatewayLiveness")]
public sealed record GatewayLiveness(
    [property: Id(0)] DateTimeOffset KnownSince,
    [property: Id(1)] IReadOnlyList<string> Gateways);
