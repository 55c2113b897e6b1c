using Orleans.Runtime;
using Orleans.Storage;

namespace CommunityScale.Storage.Tests;

[GenerateSerializer, Alias("cs.tests.SampleState")]
public sealed class SampleState
{
    [Id(0)] public string Name { get; set; } = "";

    [Id(1)] public byte[] Blob { get; set; } = [];

    [Id(2)] public List<int> Numbers { get; set; } = [];
}

/// <summary>
/// What every grain storage provider must do, run unchanged against each provider: the subclasses only say how to get one.
/// </summary>
public abstract class GrainStorageConformance
{
    protected abstract IGrainStorage Storage { get; }

    private static GrainId NewGrain() => GrainId.Create("conformance", $"g/{Guid.NewGuid():n}#?");

    private static GrainState<SampleState> Fresh() => new(new SampleState());

    private static SampleState Sample(int blobBytes = 16)
    {
        var blob = new byte[blobBytes];
        Random.Shared.NextBytes(blob);
        return new SampleState { Name = "fans of ü & ß", Blob = blob, Numbers = [1, 2, 3] };
    }

    [Fact]
    public async Task Reading_a_missing_state_finds_no_record()
    {
        var state = Fresh();
        await Storage.ReadStateAsync("s", NewGrain(), state);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
    }

    [Fact]
    public async Task A_written_state_reads_back_equal_with_its_etag()
    {
        var grain = NewGrain();
        var written = Fresh();
        written.State = Sample();
        await Storage.WriteStateAsync("s", grain, written);
        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);

        var read = Fresh();
        await Storage.ReadStateAsync("s", grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(written.State!.Name, read.State!.Name);
        Assert.Equal(written.State!.Blob, read.State!.Blob);
        Assert.Equal(written.State!.Numbers, read.State!.Numbers);

        // Different state names of one grain are independent.
        var other = Fresh();
        await Storage.ReadStateAsync("other", grain, other);
        Assert.False(other.RecordExists);
    }

    [Fact]
    public async Task A_stale_etag_is_refused_and_changes_nothing()
    {
        var grain = NewGrain();
        var first = Fresh();
        first.State = Sample();
        await Storage.WriteStateAsync("s", grain, first);

        var stale = Fresh();
        await Storage.ReadStateAsync("s", grain, stale);
        first.State!.Name = "newer";
        await Storage.WriteStateAsync("s", grain, first);

        stale.State!.Name = "stale";
        await Assert.ThrowsAnyAsync<InconsistentStateException>(() => Storage.WriteStateAsync("s", grain, stale));

        var read = Fresh();
        await Storage.ReadStateAsync("s", grain, read);
        Assert.Equal("newer", read.State!.Name);
    }

    [Fact]
    public async Task Writing_a_new_record_over_an_existing_one_is_refused()
    {
        var grain = NewGrain();
        var first = Fresh();
        first.State = Sample();
        await Storage.WriteStateAsync("s", grain, first);

        var blind = Fresh();
        blind.State = Sample();
        await Assert.ThrowsAnyAsync<InconsistentStateException>(() => Storage.WriteStateAsync("s", grain, blind));
    }

    [Fact]
    public async Task State_over_one_mebibyte_round_trips_and_shrinks_again()
    {
        var grain = NewGrain();
        var big = Fresh();
        big.State = Sample(2 * 1024 * 1024);
        await Storage.WriteStateAsync("s", grain, big);

        var read = Fresh();
        await Storage.ReadStateAsync("s", grain, read);
        Assert.Equal(big.State!.Blob, read.State!.Blob);

        read.State!.Blob = [7, 7, 7];
        await Storage.WriteStateAsync("s", grain, read);
        var small = Fresh();
        await Storage.ReadStateAsync("s", grain, small);
        Assert.Equal([7, 7, 7], small.State!.Blob);
    }

    [Fact]
    public async Task Clearing_removes_the_record_and_a_new_one_can_follow()
    {
        var grain = NewGrain();
        var state = Fresh();
        state.State = Sample(1_500_000);
        await Storage.WriteStateAsync("s", grain, state);
        await Storage.ClearStateAsync("s", grain, state);
        Assert.False(state.RecordExists);

        var read = Fresh();
        await Storage.ReadStateAsync("s", grain, read);
        Assert.False(read.RecordExists);

        read.State = Sample();
        read.State!.Name = "reborn";
        await Storage.WriteStateAsync("s", grain, read);
        var again = Fresh();
        await Storage.ReadStateAsync("s", grain, again);
        Assert.Equal("reborn", again.State!.Name);
    }

    [Fact]
    public async Task Of_concurrent_writers_with_the_same_etag_exactly_one_wins()
    {
        var grain = NewGrain();
        var seed = Fresh();
        seed.State = Sample();
        await Storage.WriteStateAsync("s", grain, seed);

        var writers = Enumerable.Range(0, 5).Select(_ => Fresh()).ToArray();
        foreach (var writer in writers)
        {
            await Storage.ReadStateAsync("s", grain, writer);
        }

        var results = await Task.WhenAll(writers.Select(async (w, i) =>
        {
            w.State!.Name = $"writer {i}";
            try
            {
                await Storage.WriteStateAsync("s", grain, w);
                return i;
            }
            catch (InconsistentStateException)
            {
                return -1;
            }
        }));

        var winner = Assert.Single(results, r => r >= 0);
        var read = Fresh();
        await Storage.ReadStateAsync("s", grain, read);
        Assert.Equal($"writer {winner}", read.State!.Name);
    }
}
