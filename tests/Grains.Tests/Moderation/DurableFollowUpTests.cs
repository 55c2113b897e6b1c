using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Silo.Hosting;
using CommunityScale.Streams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace CommunityScale.Grains.Tests.Moderation;

/// <summary>
/// A moderation decision's audit entry and notice are follow-ups in the review queue's outbox: stored in the same write
/// as the decision, delivered in order, retried while their receiver fails, and arriving exactly once after it heals.
/// </summary>
[Collection(FlakyStorageCluster.Name)]
[Trait("Area", "Moderation")]
public sealed class DurableFollowUpTests(FlakyStorageClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "Owner");
    private static readonly Actor Ann = new("ann", "Ann");

    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task A_rejection_is_stored_with_its_audit_entry_and_notice_which_arrive_once_after_the_audit_log_fails_at_first()
    {
        var community = $"d-{Guid.NewGuid():n}";
        await Client.GetGrain<ICommunityGrain>(community).Create("Durable", Owner);
        await Client.GetGrain<ICommunityGrain>(community).Join(Ann);
        await Client.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, Owner);
        var queue = Client.GetGrain<IModerationQueueGrain>(community);
        var held = await queue.Hold("live", Ann.UserId, Ann.DisplayName, "buy cheap stuff", Guid.NewGuid().ToString("n"), "blocked term");
        var reason = $"off-topic {Guid.NewGuid():n}";

        // The community's audit log cannot store anything: every delivery of the rejection's entry fails for now.
        fixture.Storage.FailWrites = (stateName, grainId) => stateName == "audit" && grainId.ToString().Contains(community, StringComparison.Ordinal);
        try
        {
            var outcome = await queue.Reject(held.Id, reason, Owner);
            Assert.Equal("rejected", outcome.Resolution);

            // Answered although the log refused the entry: the decision and both follow-ups are stored in the queue's
            // record, and the notice waits behind the entry (they go out in order).
            Assert.Contains(fixture.Storage.Find(reason), r => r.StartsWith("moderation-queue@", StringComparison.Ordinal));
            Assert.DoesNotContain(await Notices(community), n => n.SourceId == $"held:{held.Id}");
            Assert.DoesNotContain((await queue.List(Owner)).Select(i => i.Id), id => id == held.Id);
        }
        finally
        {
            fixture.Storage.FailWrites = null;
        }

        // The outbox's retry (a second, doubling) delivers both once the log stores again.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(await Rejections(community, reason)).Any() || !(await Notices(community)).Any(n => n.SourceId == $"held:{held.Id}"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the rejection's audit entry and notice never arrived");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        // Exactly once, although the entry was handed over (and refused) more than once.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(await Rejections(community, reason));
        Assert.Single(await Notices(community), n => n.SourceId == $"held:{held.Id}");
        Assert.DoesNotContain(fixture.Storage.Find(reason), r => r.StartsWith("moderation-queue@", StringComparison.Ordinal));
    }

    private async Task<IReadOnlyList<AuditEntry>> Rejections(string community, string reason) =>
        [.. (await Client.GetGrain<IAuditLogGrain>(community).Read(null, 50, Owner)).Entries.Where(e => e.Action == "reject" && e.Reason == reason)];

    private async Task<IReadOnlyList<Notification>> Notices(string community) =>
        await Client.GetGrain<INotificationInboxGrain>(Ann.UserId).ListCommunity(community);
}

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
