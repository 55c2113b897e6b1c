using Azure.Data.Tables;
using CommunityScale.Hosting;
using CommunityScale.Silo.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CommunityScale.Silo.Hosting;

/// <summary>Ready only while grain storage answers: a silo that cannot store would accept sends it must refuse.</summary>
public sealed class StorageReadyCheck(IConfiguration configuration, IOptionsMonitor<AzureTableStorageOptions> tableOptions) : IHealthCheck, IDisposable
{
    private readonly ProviderSettings _providers = ProviderSettings.From(k => configuration[k]);
    private TableServiceClient? _tables;
    private ConnectionMultiplexer? _redis;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            switch (_providers.Storage)
            {
                case StorageProvider.AzureTable:
                    var options = tableOptions.Get(Streams.StorageNames.Main);
                    _tables ??= StorageRegistration.CreateServiceClient(options);
                    await foreach (var _ in _tables.QueryAsync(t => t.Name == options.TableName, maxPerPage: 1, cancellationToken: timeout.Token))
                    {
                        break;
                    }

                    break;
                case StorageProvider.Redis:
                    _redis ??= await ConnectionMultiplexer.ConnectAsync(RedisConnections.Options(_providers.RedisConnectionString!));
                    await _redis.GetDatabase().PingAsync();
                    break;
                case StorageProvider.Memory:
                    break;
            }

            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return HealthCheckResult.Unhealthy($"{_providers.Storage} storage does not answer.", ex);
        }
    }

    public void Dispose() => _redis?.Dispose();
}
