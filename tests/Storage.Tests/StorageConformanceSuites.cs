using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
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

    [Fact]
    public async Task A_write_applied_before_its_response_was_lost_is_recognised_when_the_sdk_retries_it()
    {
        var (lost, storage, grain) = Losing(HttpPipelinePosition.PerRetry);
        var state = new GrainState<SampleState>(new SampleState { Name = "first" });

        lost.Next = 1;
        await storage.WriteStateAsync("s", grain, state);
        state.State!.Name = "second";
        await storage.WriteStateAsync("s", grain, state);

        Assert.Equal(0, lost.Next);
        Assert.Equal("second", (await ReadBack(storage, grain)).Name);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_write_that_timed_out_but_was_applied_does_not_block_the_next_one(bool recordExisted)
    {
        var (lost, storage, grain) = Losing(HttpPipelinePosition.PerCall);
        var state = new GrainState<SampleState>(new SampleState { Name = "zero" });
        if (recordExisted)
        {
            await storage.WriteStateAsync("s", grain, state);
        }

        state.State!.Name = "applied, answer lost";
        lost.Next = 1;
        await Assert.ThrowsAsync<IOException>(() => storage.WriteStateAsync("s", grain, state));
        Assert.Equal("applied, answer lost", (await ReadBack(storage, grain)).Name);

        // Before, every later write of this activation was refused as "changed by another writer".
        state.State!.Name = "next";
        await storage.WriteStateAsync("s", grain, state);
        state.State!.Name = "and the one after";
        await storage.WriteStateAsync("s", grain, state);
        Assert.Equal("and the one after", (await ReadBack(storage, grain)).Name);

        await storage.ClearStateAsync("s", grain, state);
        Assert.False((await ReadState(storage, grain)).RecordExists);
    }

    [Fact]
    public async Task After_a_lost_answer_a_write_by_someone_else_is_still_a_conflict()
    {
        var (lost, storage, grain) = Losing(HttpPipelinePosition.PerCall);
        var state = new GrainState<SampleState>(new SampleState { Name = "ours" });
        await storage.WriteStateAsync("s", grain, state);
        state.State!.Name = "ours, answer lost";
        lost.Next = 1;
        await Assert.ThrowsAsync<IOException>(() => storage.WriteStateAsync("s", grain, state));

        var other = await ReadState(storage, grain);
        other.State!.Name = "theirs";
        await storage.WriteStateAsync("s", grain, other);

        state.State!.Name = "ours again";
        await Assert.ThrowsAnyAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", grain, state));
        Assert.Equal("theirs", (await ReadBack(storage, grain)).Name);
    }

    /// <summary>A fresh grain on a provider whose answers <c>lost</c> can lose, per retry (the SDK tries again) or per call.</summary>
    private (LostResponses Lost, IGrainStorage Storage, GrainId Grain) Losing(HttpPipelinePosition where)
    {
        var lost = new LostResponses();
        return (lost, fixture.StorageLosing(lost, where), GrainId.Create("conformance", $"lost-{Guid.NewGuid():n}"));
    }

    private static async Task<GrainState<SampleState>> ReadState(IGrainStorage storage, GrainId grain)
    {
        var read = new GrainState<SampleState>(new SampleState());
        await storage.ReadStateAsync("s", grain, read);
        return read;
    }

    private static async Task<SampleState> ReadBack(IGrainStorage storage, GrainId grain) => (await ReadState(storage, grain)).State!;

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

    public static AzureTableGrainStorage Create(AzureTableStorageOptions options) => Create(options, StorageRegistration.CreateServiceClient(options));

    private static AzureTableGrainStorage Create(AzureTableStorageOptions options, TableServiceClient client)
    {
        var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        return new AzureTableGrainStorage("conformance", client, options,
            new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()), NullLogger<AzureTableGrainStorage>.Instance);
    }

    /// <summary>The provider on this Azurite with the shipped retry settings, through a pipeline that can lose answers.</summary>
    public IGrainStorage StorageLosing(LostResponses lost, HttpPipelinePosition where) => StorageOn("conformance", lost, where);

    /// <summary>A provider of its own on <paramref name="table"/> of this Azurite, optionally with a policy in its pipeline.</summary>
    public AzureTableGrainStorage StorageOn(string table, HttpPipelinePolicy? policy = null, HttpPipelinePosition where = HttpPipelinePosition.PerCall, int statePartitions = 1, TimeSpan? behindWriteDelay = null)
    {
        var options = new AzureTableStorageOptions
        {
            ConnectionString = _azurite.ConnectionString,
            TableName = table,
            StatePartitions = statePartitions,
            BehindWriteDelay = behindWriteDelay ?? TimeSpan.Zero,
        };
        var clientOptions = StorageRegistration.ClientOptions(options);
        if (policy is not null)
        {
            clientOptions.AddPolicy(policy, where);
        }

        return Create(options, new TableServiceClient(options.ConnectionString, clientOptions));
    }

    public TableClient Table(string table) => new TableServiceClient(_azurite.ConnectionString).GetTableClient(table);

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

/// <summary>
/// Lets the next <see cref="Next"/> writes reach storage and be applied, then loses their answers, as a timeout does when
/// the service was only slow (Azurite frozen, a slow link). Per retry, the SDK tries again; per call, the caller sees it.
/// </summary>
public sealed class LostResponses : HttpPipelinePolicy
{
    private int _next;

    public int Next
    {
        get => Volatile.Read(ref _next);
        set => Volatile.Write(ref _next, value);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline);
        if (message.Request.Method != RequestMethod.Get && TakeOne())
        {
            throw new IOException($"The answer to {message.Request.Method} was lost (test)");
        }
    }

    private bool TakeOne()
    {
        int left;
        do
        {
            left = Next;
            if (left <= 0)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _next, left - 1, left) != left);
        return true;
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();
}
