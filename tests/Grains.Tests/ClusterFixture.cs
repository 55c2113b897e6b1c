using CommunityScale.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace CommunityScale.Grains.Tests;

/// <summary>One in-process Orleans cluster for all grain tests: memory storage, memory streams, small history pages.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int PageSize = 10;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public static IConfiguration Settings { get; } = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Storage:Provider"] = "Memory",
        ["Chat:HistoryPageSize"] = PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Chat:RateLimitCount"] = "5",
        ["Chat:RateLimitWindow"] = "00:00:05",
        ["Presence:GatewayExpiry"] = "00:00:02",
        ["Chat:PolicyRefreshInterval"] = "00:00:00.200",
        ["Chat:MembershipCacheDuration"] = "00:00:00.050",
        // Points gather a window's awards into one write (1 s in production, where the gateway tests run it): short
        // here, so that hundreds of awaited awards do not add minutes to the suite.
        ["Points:WriteDelay"] = "00:00:00.050",
        ["Points:BoardDelay"] = "00:00:00.050",
        // Not the default (a minute): MemberOptionsTests sees that the silo binds it.
        ["Members:ActivityWritePeriod"] = "00:00:10",
    }).Build();

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddCommunityScale(Settings));
        builder.ConfigureClient(client => client.AddMemoryStreams(Streams.StreamNames.Provider));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedCluster : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
