using CommunityScale.Options;
using Microsoft.Extensions.Options;

namespace CommunityScale.Chat;

/// <summary>
/// Remembers when each gateway last said it is alive. Soft state like presence itself: after a reactivation it knows
/// nobody until the gateways' next heartbeats, and says so (<see cref="GatewayLiveness.KnownSince"/>).
/// </summary>
public sealed class GatewayRegistryGrain(IOptions<PresenceOptions> options) : Grain, IGatewayRegistryGrain
{
    // A gateway that has sent nothing for many expiries is forgotten, so gateways that came and went do not pile up.
    private const int ForgetAfterExpiries = 10;
    private readonly Dictionary<string, DateTimeOffset> _heardAt = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _since = TimeProvider.System.GetUtcNow();

    public Task Heartbeat(string gatewayId)
    {
        ArgumentException.ThrowIfNullOrEmpty(gatewayId);
        _heardAt[gatewayId] = TimeProvider.System.GetUtcNow();
        return Task.CompletedTask;
    }

    // Real time, not the domain clock: tests move community time, and liveness is about processes.
    public Task<GatewayLiveness> Alive()
    {
        var now = TimeProvider.System.GetUtcNow();
        var expiry = options.Value.GatewayExpiry;
        foreach (var (gateway, heardAt) in _heardAt)
        {
            if (now - heardAt > expiry * ForgetAfterExpiries)
            {
                _heardAt.Remove(gateway);
            }
        }

        return Task.FromResult(new GatewayLiveness(_since, [.. _heardAt.Where(g => now - g.Value <= expiry).Select(g => g.Key)]));
    }
}
