using CommunityScale.Hosting;
using CommunityScale.Options;
using CommunityScale.Silo.Storage;
using CommunityScale.Silo.Storage.Journal;
using CommunityScale.Streams;
using CommunityScale.ServiceDefaults;
using Orleans.Configuration;
using Orleans.Storage;
using StackExchange.Redis;

namespace CommunityScale.Silo.Hosting;

/// <summary>Composes the silo process: Orleans (clustering, storage, streams), telemetry, health, the dashboard.</summary>
public static class SiloApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults("communityscale-silo");
        builder.AddCommunityScaleSilo();
        builder.AddOrleansDashboard();
        customize?.Invoke(builder);
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapOrleansDashboardIfEnabled();
        return app;
    }

    public static void AddCommunityScaleSilo(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var endpoint = config.GetSection(SiloEndpointOptions.Section).Get<SiloEndpointOptions>() ?? new SiloEndpointOptions();
        var providers = ProviderSettings.From(k => config[k]);
        // The drain on SIGTERM (grains deactivate, state is written) must fit the orchestrator's grace period.
        builder.Services.Configure<HostOptions>(config.GetSection("HostOptions"));
        builder.Services.AddHealthChecks()
            .AddCheck<SiloReadyCheck>("cluster", tags: ["ready"])
            .AddCheck<StorageReadyCheck>("storage", tags: ["ready"]);

        builder.UseOrleans(silo =>
        {
            switch (providers.Clustering)
            {
                case ClusteringProvider.Localhost:
                    silo.UseLocalhostClustering(endpoint.SiloPort, endpoint.GatewayPort, serviceId: endpoint.ServiceId, clusterId: endpoint.ClusterId);
                    break;
                case ClusteringProvider.Redis:
                    silo.UseRedisClustering(o => o.ConfigurationOptions = RedisConnections.Options(providers.RedisConnectionString!));
                    silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (endpoint.ClusterId, endpoint.ServiceId));
                    silo.ConfigureEndpoints(System.Net.IPAddress.Parse(endpoint.AdvertisedIPAddress), endpoint.SiloPort, endpoint.GatewayPort, listenOnAnyHostAddress: endpoint.ListenOnAnyAddress);
                    break;
            }

            if (endpoint.Kubernetes)
            {
                silo.UseKubernetesHosting();
            }

            // Failure detection and timeouts are Orleans' own options, bound so operators (and fault tests) can tune them.
            silo.Services.Configure<ClusterMembershipOptions>(config.GetSection("Orleans:Membership"));
            silo.Services.Configure<SiloMessagingOptions>(config.GetSection("Orleans:Messaging"));
            silo.AddActivityPropagation();
            silo.AddCommunityScale(config);
        });
    }

    /// <summary>Everything a CommunityScale silo needs except clustering (which the host or a test cluster decides).</summary>
    public static ISiloBuilder AddCommunityScale(this ISiloBuilder silo, IConfiguration config)
    {
        var endpoint = config.GetSection(SiloEndpointOptions.Section).Get<SiloEndpointOptions>() ?? new SiloEndpointOptions();
        // Read above to wire Orleans; registered too so a value out of range stops the silo at start.
        silo.Services.AddValidatedOptions<SiloEndpointOptions>(config, SiloEndpointOptions.Section);
        silo.Services.AddSingleton(TimeProvider.System);
        silo.Services.AddKeyedSingleton(DomainClock.Key, TimeProvider.System);
        silo.AddIncomingGrainCallFilter<StorageFailureFilter>();
        silo.AddIncomingGrainCallFilter<GrainCallMetrics>();
        silo.Services.AddValidatedOptions<ChatOptions>(config, ChatOptions.Section);
        silo.Services.AddValidatedOptions<PresenceOptions>(config, PresenceOptions.Section);
        silo.Services.AddValidatedOptions<PointsOptions>(config, PointsOptions.Section);
        silo.Services.AddValidatedOptions<MemberOptions>(config, MemberOptions.Section);
        silo.Services.AddWebhookDelivery(config);
        // The spam/abuse and sentiment models ship with the silo (Models/), each loaded on first use.
        silo.Services.AddSingleton(TextModels.ShippedModels.Moderation(k => config[k]));
        silo.Services.AddSingleton(TextModels.ShippedModels.Sentiment(k => config[k]));
        silo.Services.AddSingleton<Sentiment.SentimentScorer>();
        silo.Services.AddSingleton<Access.AccessRulesCache>();
        silo.Services.AddSingleton<Chat.LiveGateways>();
        silo.Services.AddSingleton<Communities.CommunityLookups>();
        silo.Services.AddSingleton<FollowUps.GatheredUpdates>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<FollowUps.GatheredUpdates>());
        var providers = ProviderSettings.From(k => config[k]);
        if (providers.Reminders == RemindersProvider.Redis)
        {
            silo.UseRedisReminderService(o => o.ConfigurationOptions = RedisConnections.Options(providers.RedisConnectionString!));
        }
        else
        {
            silo.UseInMemoryReminderService();
        }

        // Not under "Orleans:Reminders": Orleans reads that section itself as a reminder provider and refuses to start.
        silo.Services.Configure<ReminderOptions>(config.GetSection("Reminders"));
        silo.Services.AddValidatedOptions<ScheduleOptions>(config, ScheduleOptions.Section);
        silo.Services.AddValidatedOptions<FollowUps.OutboxOptions>(config, FollowUps.OutboxOptions.Section);
        // Stream subscriptions live in the PubSub store: on the same durable provider as grain state, they survive a
        // silo restart, so gateways keep receiving without having to notice (the relay still resubscribes if they don't).
        silo.AddGrainStorage(StorageNames.Main, providers);
        silo.AddGrainStorage(StorageNames.PubSub, providers);
        silo.Services.AddChatJournal(config, providers);
        silo.AddMemoryStreams(StreamNames.Provider, streams =>
        {
            streams.ConfigurePartitioning(endpoint.StreamQueueCount);
            streams.ConfigurePullingAgent(agent => agent.Configure(o => o.GetQueueMsgsTimerPeriod = endpoint.StreamPollingPeriod));
            streams.ConfigureCacheEviction(eviction => eviction.Configure(o =>
            {
                o.DataMinTimeInCache = endpoint.StreamCacheAge;
                o.DataMaxAgeInCache = endpoint.StreamCacheAge;
            }));
        });
        return silo;
    }

    /// <summary><c>Storage:Provider</c> picks where grain state lives: AzureTable (default), Redis, or Memory (tests, throwaway runs).</summary>
    private static void AddGrainStorage(this ISiloBuilder silo, string name, ProviderSettings providers)
    {
        switch (providers.Storage)
        {
            case StorageProvider.AzureTable:
                silo.Services.AddAzureTableGrainStorage(name);
                break;
            case StorageProvider.Redis:
                silo.AddRedisGrainStorage(name, options => options.Configure<Orleans.Serialization.Serializer>((o, serializer) =>
                {
                    o.ConfigurationOptions = RedisConnections.Options(providers.RedisConnectionString!);
                    o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                }));
                break;
            case StorageProvider.Memory:
                // The same serializer as the durable providers, so tests on memory storage round-trip state as production does.
                silo.AddMemoryGrainStorage(name, options => options.Configure<Orleans.Serialization.Serializer>((o, serializer) =>
                    o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
                break;
        }
    }
}
