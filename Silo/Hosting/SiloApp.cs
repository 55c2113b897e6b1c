using CommunityScale.Options;
using CommunityScale.Silo.Storage;
using CommunityScale.Streams;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CommunityScale.Silo.Hosting;

/// <summary>Composes the silo process: Orleans (clustering, storage, streams) plus its health endpoints.</summary>
public static class SiloApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddCommunityScaleSilo();
        var app = builder.Build();
        app.MapHealthEndpoints();
        return app;
    }

    public static void AddCommunityScaleSilo(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var endpoint = config.GetSection(SiloEndpointOptions.Section).Get<SiloEndpointOptions>() ?? new SiloEndpointOptions();
        builder.Services.AddHealthChecks()
            .AddCheck("live", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddCheck<SiloReadyCheck>("ready", tags: ["ready"]);

        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(endpoint.SiloPort, endpoint.GatewayPort, serviceId: endpoint.ServiceId, clusterId: endpoint.ClusterId);
            silo.AddCommunityScale(config);
        });
    }

    /// <summary>Everything a CommunityScale silo needs except clustering (which the host or a test cluster decides).</summary>
    public static ISiloBuilder AddCommunityScale(this ISiloBuilder silo, IConfiguration config)
    {
        var endpoint = config.GetSection(SiloEndpointOptions.Section).Get<SiloEndpointOptions>() ?? new SiloEndpointOptions();
        silo.Services.AddSingleton(TimeProvider.System);
        silo.Services.Configure<ChatOptions>(config.GetSection(ChatOptions.Section));
        silo.Services.Configure<PresenceOptions>(config.GetSection(PresenceOptions.Section));
        silo.AddGrainStorageFromConfiguration(config);
        silo.AddMemoryGrainStorage(StorageNames.PubSub);
        silo.AddMemoryStreams(StreamNames.Provider, streams =>
            streams.ConfigurePullingAgent(agent => agent.Configure(o => o.GetQueueMsgsTimerPeriod = endpoint.StreamPollingPeriod)));
        return silo;
    }

    /// <summary><c>Storage:Provider</c> picks where grain state lives: AzureTable (default) or Memory (tests, throwaway runs).</summary>
    private static void AddGrainStorageFromConfiguration(this ISiloBuilder silo, IConfiguration config)
    {
        var provider = config["Storage:Provider"] ?? "AzureTable";
        switch (provider)
        {
            case "AzureTable":
                silo.Services.AddAzureTableGrainStorage(StorageNames.Main);
                break;
            case "Memory":
                silo.AddMemoryGrainStorage(StorageNames.Main);
                break;
            default:
                throw new InvalidOperationException($"Storage:Provider is '{provider}'; it must be AzureTable or Memory.");
        }
    }

    private static void MapHealthEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
    }
}
