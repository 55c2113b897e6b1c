using CommunityScale.Options;
using CommunityScale.Silo.Hosting;
using CommunityScale.Streams;
using CommunityScale.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// A second in-process cluster whose community clock tests move forward (reminders falling due, weeks of activity).
/// Kept apart from <see cref="ClusterFixture"/> so a jump in community time never leaks into other tests; its tests
/// run one at a time and each only ever moves the clock forward.
/// </summary>
public sealed class ClockedClusterFixture : IAsyncLifetime
{
    public ShiftedClock Clock { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>Where the cluster keeps grain state and stream subscriptions: searchable, for erasure tests.</summary>
    public InspectableGrainStorage Storage { get; private set; } = null!;

    public InspectableGrainStorage PubSubStorage { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Memory",
            // Scheduled grains look at the (moving) clock every second, so a due reminder fires within a second or two.
            ["Schedule:CheckEvery"] = "00:00:01",
            ["Reminders:MinimumReminderPeriod"] = "00:00:01",
            // Small history pages, so a short script already has sealed pages (privacy and retention reach them too).
            ["Chat:HistoryPageSize"] = "10",
        }).Build();
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddCommunityScale(settings);
            silo.Services.AddKeyedSingleton<TimeProvider>(DomainClock.Key, Clock);
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Main, (services, _) => Storage = new InspectableGrainStorage(services.GetRequiredService<Serializer>()));
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.PubSub, (services, _) => PubSubStorage = new InspectableGrainStorage(services.GetRequiredService<Serializer>()));
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(Streams.StreamNames.Provider));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

// Run alone: its chat traffic would otherwise reach the process-wide chat meters other tests measure (group commit).
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClockedCluster : ICollectionFixture<ClockedClusterFixture>
{
    public const string Name = "clocked cluster";
}
