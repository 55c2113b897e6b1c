using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CommunityScale.Silo.Hosting;

/// <summary>Ready once the silo has started and can activate a grain (which proves the runtime and its scheduler are up).</summary>
public sealed class SiloReadyCheck(IHostApplicationLifetime lifetime, IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The silo is still starting.");
        }

        try
        {
            await grains.GetGrain<IPingGrain>(0).Ping().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            return HealthCheckResult.Unhealthy("The silo cannot serve grain calls.", ex);
        }
    }
}
