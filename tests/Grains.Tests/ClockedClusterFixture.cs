using CommunityScale.Options;
using CommunityScale.Silo.Hosting;
using CommunityScale.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Memory",
            // Scheduled grains look at the (moving) clock every second, so a due reminder fires within a second or two.
            ["Schedule:CheckEvery"] = "00:00:01",
            ["Orleans:Reminders:MinimumReminderPeriod"] = "00:00:01",
        }).Build();
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddCommunityScale(settings);
            silo.Services.AddKeyedSingleton<TimeProvider>(DomainClock.Key, Clock);
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(Streams.StreamNames.Provider));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClockedCluster : ICollectionFixture<ClockedClusterFixture>
{
    public const string Name = "clocked cluster";
}
