using CommunityScale.Silo.Storage;
using CommunityScale.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace CommunityScale.Storage.Tests;

/// <summary>Orleans' memory storage: the reference the other providers are held to.</summary>
[Trait("Area", "Storage")]
public sealed class MemoryStorageConformance(MemoryStorageFixture fixture) : GrainStorageConformance, IClassFixture<MemoryStorageFixture>
{
    protected override IGrainStorage Storage => fixture.Storage;
}

public sealed class MemoryStorageFixture : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public IGrainStorage Storage { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddMemoryGrainStorage("conformance"));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        Storage = _cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>("conformance");
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();
}

/// <summary>Our Azure Table provider against a real Azurite.</summary>
[Trait("Area", "Storage")]
public sealed class AzureTableStorageConformance(AzuriteStorageFixture fixture) : GrainStorageConformance, IClassFixture<AzuriteStorageFixture>
{
    protected override IGrainStorage Storage => fixture.Storage;

    [Fact]
    public async Task State_beyond_the_limit_is_refused_with_a_clear_error_and_nothing_is_written()
    {
        var grain = GrainId.Create("conformance", $"big-{Guid.NewGuid():n}");
        var state = new GrainState<SampleState>(new SampleState { Blob = new byte[3 * 1024 * 1024] });
        var ex = await Assert.ThrowsAsync<GrainStateTooLargeException>(() => Storage.WriteStateAsync("s", grain, state));
        Assert.Contains("MaxStateBytes", ex.Message, StringComparison.Ordinal);

        var read = new GrainState<SampleState>(new SampleState());
        await Storage.ReadStateAsync("s", grain, read);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task Unreachable_storage_fails_fast_with_a_message_that_names_it()
    {
        var port = FreePort.Next();
        var options = new AzureTableStorageOptions
        {
            ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;",
            RequestTimeout = TimeSpan.FromSeconds(2),
        };
        var storage = AzuriteStorageFixture.Create(options);
        var started = DateTime.UtcNow;
        var ex = await Assert.ThrowsAsync<Errors.StorageUnavailableException>(() =>
            storage.ReadStateAsync("s", GrainId.Create("conformance", "x"), new GrainState<SampleState>(new SampleState())));
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", ex.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("100%#?\\", "100%25%23%3F%5C")]
    public void Keys_are_escaped_into_what_azure_accepts(string raw, string escaped) =>
        Assert.Equal(escaped, AzureTableGrainStorage.EscapeKey(raw));
}

public sealed class AzuriteStorageFixture : IAsyncLifetime
{
    private AzuriteServer _azurite = null!;

    public IGrainStorage Storage { get; private set; } = null!;

    public static AzureTableGrainStorage Create(AzureTableStorageOptions options)
    {
        var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        return new AzureTableGrainStorage("conformance", StorageRegistration.CreateServiceClient(options), options,
            new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()), NullLogger<AzureTableGrainStorage>.Instance);
    }

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteServer.StartAsync();
        var storage = Create(new AzureTableStorageOptions { ConnectionString = _azurite.ConnectionString, TableName = "conformance" });
        await storage.InitializeAsync();
        Storage = storage;
    }

    public async Task DisposeAsync() => await _azurite.DisposeAsync();
}

/// <summary>Orleans' Redis provider against a real redis-server.</summary>
[Trait("Area", "Storage")]
public sealed class RedisStorageConformance(RedisStorageFixture fixture) : GrainStorageConformance, IClassFixture<RedisStorageFixture>
{
    protected override IGrainStorage Storage => fixture.Storage;
}

public sealed class RedisStorageFixture : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private InProcessTestCluster _cluster = null!;

    public IGrainStorage Storage { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddRedisGrainStorage("conformance", o => o.Configure<Serializer>((options, serializer) =>
        {
            options.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(_redis.ConnectionString);
            options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        })));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        Storage = _cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>("conformance");
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
