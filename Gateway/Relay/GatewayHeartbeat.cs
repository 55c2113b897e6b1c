using CommunityScale.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace CommunityScale.Gateway.Relay;

/// <summary>
/// Tells the cluster every <see cref="GatewayOptions.PresenceRefreshInterval"/> that this gateway is alive, so presence
/// grains keep the counts it reported however long ago (see <c>IGatewayRegistryGrain</c>).
/// </summary>
public sealed partial class GatewayHeartbeat(
    IClusterClient cluster, ChannelRelay channels, IOptions<GatewayOptions> options, TimeProvider clock, ILogger<GatewayHeartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PresenceRefreshInterval, clock);
        // The first after one interval: a count reported before it stands for the whole expiry anyway.
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await cluster.GatewayRegistry().Heartbeat(channels.GatewayId);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && !stoppingToken.IsCancellationRequested)
            {
                LogHeartbeatFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling the cluster this gateway is alive failed; trying again next interval")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception ex);
}
