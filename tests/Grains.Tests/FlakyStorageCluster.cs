using CommunityScale.Silo.Hosting;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace CommunityScale.Grains.Tests;

/// <summary>Grain storage that a test can make refuse writes (a receiver failing), and search like <see cref="InspectableGrainStorage"/>.</summary>
public sealed class FlakyGrainStorage(Serializer serializer) : IGrainStorage
{
    private readonly InspectableGrainStorage _inner = new(serializer);

    /// <summary>Which writes fail (state name, grain); null: none.</summary>
    public Func<string, GrainId, bool>? FailWrites { get; set; }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ReadStateAsync(stateName, grainId, grainState);

    /// <summary>Which writes hang until <see cref="ReleaseHeld"/> (a frozen store); null: none.</summary>
    public Func<string, GrainId, bool>? HoldWrites { get; set; }

    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many writes are hanging now.</summary>
    public int Holding => Volatile.Read(ref _holding);

    private int _holding;

    public void ReleaseHeld()
    {
        HoldWrites = null;
        Interlocked.Exchange(ref _held, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (FailWrites?.Invoke(stateName, grainId) == true)
        {
            throw new InvalidOperationException($"Writing {stateName} of {grainId} fails in this test.");
        }

        if (HoldWrites?.Invoke(stateName, grainId) == true)
        {
            Interlocked.Increment(ref _holding);
            try
            {
                await Volatile.Read(ref _held).Task;
            }
            finally
            {
                Interlocked.Decrement(ref _holding);
            }
        }

        await _inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ClearStateAsync(stateName, grainId, grainState);

    public IReadOnlyList<string> Find(string text) => _inner.Find(text);
}

/// <summary>An in-process cluster on <see cref="FlakyGrainStorage"/>, apart from the shared one so its failures stay its own.</summary>
public sealed class FlakyStorageClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public FlakyGrainStorage Storage { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddCommunityScale(ClusterFixture.Settings);
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Main, (services, _) => Storage = new FlakyGrainStorage(services.GetRequiredService<Serializer>()));
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(StreamNames.Provider));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class FlakyStorageCluster : ICollectionFixture<FlakyStorageClusterFixture>
{
    public const string Name = "flaky storage cluster";
}
