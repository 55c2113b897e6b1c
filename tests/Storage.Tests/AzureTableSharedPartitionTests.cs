using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using CommunityScale.Scheduling;
using CommunityScale.Silo.Storage;
using Orleans.Runtime;
using Orleans.Storage;

namespace CommunityScale.Storage.Tests;

/// <summary>Grain states in shared partitions: several grains' writes in one storage operation, each still all or nothing under its own ETag.</summary>
[Trait("Area", "WritePath")]
public sealed class AzureTableSharedPartitionTests(AzuriteStorageFixture fixture) : IClassFixture<AzuriteStorageFixture>
{
    [Fact]
    public async Task Writes_nobody_waits_for_share_storage_operations_and_each_keeps_its_own_etag()
    {
        var requests = new CountedWrites();
        var storage = fixture.StorageOn(NewTable(), requests, behindWriteDelay: TimeSpan.FromMilliseconds(50));
        await storage.InitializeAsync();
        var grains = Enumerable.Range(0, 30).Select(i => GrainId.Create("shared", $"g{i}-{Guid.NewGuid():n}")).ToList();
        var states = grains.Select(g => new GrainState<SampleState>(new SampleState { Name = $"first {g}" })).ToList();

        requests.Writes = 0;
        await Task.WhenAll(grains.Select((g, i) => WriteTiming.Unhurried(() => storage.WriteStateAsync("s", g, states[i]))));
        Assert.InRange(requests.Writes, 1, 10);

        // Each write got its own row's ETag: the next write of every grain (one someone waits for) is accepted.
        foreach (var (g, i) in grains.Select((g, i) => (g, i)))
        {
            states[i].State!.Name = $"second {g}";
            await storage.WriteStateAsync("s", g, states[i]);
        }

        var fresh = fixture.StorageOn(storage.TableName);
        foreach (var g in grains)
        {
            var read = new GrainState<SampleState>(new SampleState());
            await fresh.ReadStateAsync("s", g, read);
            Assert.Equal($"second {g}", read.State!.Name);
        }
    }

    [Fact]
    public async Task A_stale_write_sharing_an_operation_is_refused_alone_and_the_others_are_stored()
    {
        var storage = fixture.StorageOn(NewTable(), behindWriteDelay: TimeSpan.FromMilliseconds(50));
        await storage.InitializeAsync();
        var (stale, fine) = (GrainId.Create("shared", $"stale-{Guid.NewGuid():n}"), GrainId.Create("shared", $"fine-{Guid.NewGuid():n}"));
        var staleState = new GrainState<SampleState>(new SampleState { Name = "v1" });
        await storage.WriteStateAsync("s", stale, staleState);
        var winner = new GrainState<SampleState>(new SampleState { Name = "v2" }) { ETag = staleState.ETag };
        await storage.WriteStateAsync("s", stale, winner);

        staleState.State!.Name = "lost update";
        var fineState = new GrainState<SampleState>(new SampleState { Name = "stored" });
        var refused = WriteTiming.Unhurried(() => storage.WriteStateAsync("s", stale, staleState));
        var stored = WriteTiming.Unhurried(() => storage.WriteStateAsync("s", fine, fineState));

        await Assert.ThrowsAnyAsync<InconsistentStateException>(() => refused);
        await stored;
        Assert.Equal("v2", (await Read(storage, stale)).Name);
        Assert.Equal("stored", (await Read(storage, fine)).Name);
    }

    [Fact]
    public async Task A_write_someone_waits_for_goes_at_once_and_leaves_the_rows_nobody_waits_for_to_the_next_operation()
    {
        var requests = new CountedWrites();
        var storage = fixture.StorageOn(NewTable(), requests, behindWriteDelay: TimeSpan.FromSeconds(1));
        await storage.InitializeAsync();
        var hurried = GrainId.Create("shared", $"hurried-{Guid.NewGuid():n}");
        var hurriedState = new GrainState<SampleState>(new SampleState { Name = "first" });
        await storage.WriteStateAsync("s", hurried, hurriedState);

        requests.Uris.Clear();
        var behind = Enumerable.Range(0, 10).Select(i => GrainId.Create("shared", $"behind{i}-{Guid.NewGuid():n}")).ToList();
        var waiting = behind.Select(g => WriteTiming.Unhurried(() => storage.WriteStateAsync("s", g, new GrainState<SampleState>(new SampleState { Name = "behind" })))).ToList();
        hurriedState.State!.Name = "second";
        await storage.WriteStateAsync("s", hurried, hurriedState);
        await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(30));

        // The hurried write went in a request of its own (one row: a plain update naming its row, not a $batch).
        var key = hurried.Key.ToString()!.Split('-')[1];
        Assert.Contains(requests.Uris, uri => uri.Contains(key, StringComparison.Ordinal) && !uri.Contains("$batch", StringComparison.Ordinal));
        Assert.Equal("second", (await Read(fixture.StorageOn(storage.TableName), hurried)).Name);
        foreach (var g in behind)
        {
            Assert.Equal("behind", (await Read(fixture.StorageOn(storage.TableName), g)).Name);
        }
    }

    [Fact]
    public async Task A_write_nobody_waits_for_is_not_starved_by_a_stream_of_writes_someone_waits_for()
    {
        var storage = fixture.StorageOn(NewTable(), behindWriteDelay: TimeSpan.FromMilliseconds(200));
        await storage.InitializeAsync();
        var hurried = GrainId.Create("shared", $"stream-{Guid.NewGuid():n}");
        var hurriedState = new GrainState<SampleState>(new SampleState { Name = "0" });
        var behind = GrainId.Create("shared", $"patient-{Guid.NewGuid():n}");
        var waiting = WriteTiming.Unhurried(() => storage.WriteStateAsync("s", behind, new GrainState<SampleState>(new SampleState { Name = "patient" })));

        // Two writers someone waits for, one behind the other, so one is always queued when the lane forms its next request.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var other = GrainId.Create("shared", $"stream2-{Guid.NewGuid():n}");
        var otherState = new GrainState<SampleState>(new SampleState { Name = "0" });
        async Task Stream(GrainId grain, GrainState<SampleState> state)
        {
            for (var i = 1; !waiting.IsCompleted && !deadline.IsCancellationRequested; i++)
            {
                state.State!.Name = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await storage.WriteStateAsync("s", grain, state);
            }
        }

        await Task.WhenAll(Stream(hurried, hurriedState), Stream(other, otherState));
        Assert.True(waiting.IsCompleted, "the write nobody waits for was still queued after 30 s of writes someone waits for");
        await waiting;
        Assert.Equal("patient", (await Read(fixture.StorageOn(storage.TableName), behind)).Name);
    }

    [Fact]
    public async Task A_table_that_holds_per_grain_rows_keeps_that_layout_and_a_new_one_keeps_its_partition_count()
    {
        // A table written before shared partitions: its states stay where they are.
        var old = NewTable();
        var table = fixture.Table(old);
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity(AzureTableGrainStorage.EscapeKey("legacy/x"), "s"));
        var grain = GrainId.Create("legacy", $"y-{Guid.NewGuid():n}");
        var storage = fixture.StorageOn(old);
        await storage.WriteStateAsync("s", grain, new GrainState<SampleState>(new SampleState { Name = "per grain" }));
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>(AzureTableGrainStorage.EscapeKey(grain.ToString()), "s")).HasValue);
        Assert.Equal("per grain", (await Read(fixture.StorageOn(old), grain)).Name);

        // A new table is shared, and a provider configured with another count later still finds every state.
        var fresh = NewTable();
        var first = fixture.StorageOn(fresh);
        await first.InitializeAsync();
        var grains = Enumerable.Range(0, 10).Select(i => GrainId.Create("shared", $"k{i}-{Guid.NewGuid():n}")).ToList();
        foreach (var g in grains)
        {
            await first.WriteStateAsync("s", g, new GrainState<SampleState>(new SampleState { Name = g.ToString() }));
        }

        Assert.False((await fixture.Table(fresh).GetEntityIfExistsAsync<TableEntity>(AzureTableGrainStorage.EscapeKey(grains[0].ToString()), "s")).HasValue);
        var recounted = fixture.StorageOn(fresh, statePartitions: 7);
        foreach (var g in grains)
        {
            Assert.Equal(g.ToString(), (await Read(recounted, g)).Name);
        }
    }

    private static string NewTable() => $"shared{Guid.NewGuid():n}"[..20];

    private static async Task<SampleState> Read(IGrainStorage storage, GrainId grain)
    {
        var read = new GrainState<SampleState>(new SampleState());
        await storage.ReadStateAsync("s", grain, read);
        return read.State!;
    }

    /// <summary>Counts the requests that write (anything but GET).</summary>
    private sealed class CountedWrites : HttpPipelinePolicy
    {
        private int _writes;

        /// <summary>The address of every write request.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<string> Uris { get; } = new();

        public int Writes
        {
            get => Volatile.Read(ref _writes);
            set => Volatile.Write(ref _writes, value);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (message.Request.Method != RequestMethod.Get)
            {
                Interlocked.Increment(ref _writes);
                Uris.Enqueue(message.Request.Uri.ToString());
            }

            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (message.Request.Method != RequestMethod.Get)
            {
                Interlocked.Increment(ref _writes);
                Uris.Enqueue(message.Request.Uri.ToString());
            }

            ProcessNext(message, pipeline);
        }
    }
}
