using CommunityScale.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Chat;

/// <summary>
/// The cluster's live gateways as this silo last heard from <see cref="IGatewayRegistryGrain"/>, shared by every presence
/// grain here: one registry call per silo every quarter of <see cref="PresenceOptions.GatewayExpiry"/> at most, however
/// many channels ask. Concurrent callers share one lookup.
/// </summary>
public sealed partial class LiveGateways(IGrainFactory grains, IOptions<PresenceOptions> options, ILogger<LiveGateways> logger)
{
    private readonly Lock _lock = new();
    private GatewayLiveness? _last;
    private long _until;
    private Task<GatewayLiveness>? _loading;

    /// <summary>
    /// Whether <paramref name="gatewayId"/> said it was alive within the expiry. True while the registry is younger than
    /// the expiry (it cannot know yet), and on the last answer when the registry cannot be reached: a presence count
    /// lingers rather than every count of the cluster dropping at once because of one failed call.
    /// </summary>
    public async Task<bool> IsAlive(string gatewayId)
    {
        Task<GatewayLiveness> loading;
        lock (_lock)
        {
            if (_last is not null && Environment.TickCount64 < _until)
            {
                return Answer(_last, gatewayId);
            }

            loading = _loading is { IsCompleted: false } inFlight ? inFlight : _loading = grains.GatewayRegistry().Alive();
        }

        try
        {
            var liveness = await loading;
            lock (_lock)
            {
                _last = liveness;
                _until = Environment.TickCount64 + (long)(options.Value.GatewayExpiry / 4).TotalMilliseconds;
            }

            return Answer(liveness, gatewayId);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRegistryFailed(logger, ex);
            var last = _last;
            return last is null || Answer(last, gatewayId);
        }
    }

    // A cluster has tens of gateways: a list search is as quick as a set here.
    private bool Answer(GatewayLiveness liveness, string gatewayId) =>
        liveness.Gateways.Contains(gatewayId) || TimeProvider.System.GetUtcNow() - liveness.KnownSince < options.Value.GatewayExpiry;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asking the gateway registry which gateways are alive failed; the last answer stands")]
    private static partial void LogRegistryFailed(ILogger logger, Exception ex);
}
