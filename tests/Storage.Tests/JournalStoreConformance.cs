using CommunityScale.Chat;
using CommunityScale.Chat.Journal;
using CommunityScale.Silo.Storage;
using CommunityScale.Silo.Storage.Journal;
using CommunityScale.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CommunityScale.Storage.Tests;

/// <summary>
/// What every chat journal store must do, run unchanged against each provider: the subclasses only say how to get one.
/// Every test uses channels of its own, so the tests of one provider share one store.
/// </summary>
public abstract class JournalStoreConformance
{
    private const int Partition = 3;

    protected abstract IJournalStore Store { get; }

    protected static ChannelKey NewChannel(string channelId = "ch") => new($"c{Guid.NewGuid():n}", channelId);

    protected static JournalRow Row(ChannelKey channel, long seq, int bytes = 32)
    {
        var data = new byte[bytes];
        Random.Shared.NextBytes(data);
        return new JournalRow(channel, seq, data);
    }

    private static void AssertRows(IEnumerable<JournalRow> expected, IReadOnlyList<JournalRow> actual)
    {
        var wanted = expected.ToList();
        Assert.Equal(wanted.Select(r => (r.Channel, r.Seq)), actual.Select(r => (r.Channel, r.Seq)));
        for (var i = 0; i < wanted.Count; i++)
        {
            Assert.True(wanted[i].Data.Span.SequenceEqual(actual[i].Data.Span), $"Seq {wanted[i].Seq} read back other bytes.");
        }
    }

    [Fact]
    public async Task Inserted_rows_read_back_in_seq_order_and_only_after_the_given_seq()
    {
        var channel = NewChannel();
        var other = NewChannel();
        var rows = new[] { Row(channel, 3), Row(channel, 1), Row(other, 1), Row(channel, 12), Row(channel, 2, bytes: 0), Row(channel, 10) };
        Assert.All(await Store.Insert(Partition, rows), Assert.True);

        var ofChannel = rows.Where(r => r.Channel == channel).OrderBy(r => r.Seq).ToList();
        AssertRows(ofChannel, await Store.Read(Partition, channel, 0));
        AssertRows(ofChannel, await Store.Read(Partition, channel, -1));
        AssertRows(ofChannel.Where(r => r.Seq > 3), await Store.Read(Partition, channel, 3));
        AssertRows(ofChannel.Where(r => r.Seq > 10), await Store.Read(Partition, channel, 10));
        Assert.Empty(await Store.Read(Partition, channel, 12));
        AssertRows(rows.Where(r => r.Channel == other), await Store.Read(Partition, other, 0));
        Assert.Empty(await Store.Read(Partition, NewChannel(), 0));
    }

    [Fact]
    public async Task An_insert_of_250_rows_of_several_channels_stores_them_all()
    {
        var channels = Enumerable.Range(0, 5).Select(_ => NewChannel()).ToArray();
        var rows = Enumerable.Range(0, 250).Select(i => Row(channels[i % channels.Length], (i / channels.Length) + 1)).ToArray();
        var stored = await Store.Insert(Partition, rows);
        Assert.Equal(250, stored.Count);
        Assert.All(stored, Assert.True);

        foreach (var channel in channels)
        {
            AssertRows(rows.Where(r => r.Channel == channel), await Store.Read(Partition, channel, 0));
        }
    }

    [Fact]
    public async Task Rows_held_with_the_same_bytes_are_stored_with_other_bytes_refused_and_the_other_rows_of_the_call_are_stored()
    {
        var channel = NewChannel();
        var other = NewChannel();
        var seq1 = Row(channel, 1);
        var seq2 = Row(channel, 2);
        Assert.All(await Store.Insert(Partition, [seq1, seq2]), Assert.True);

        // Conflicts between new rows, so that a provider that settles one row at a time must carry on past each.
        var seq3 = Row(channel, 3);
        var rival2 = Row(channel, 2);
        var seq4 = Row(channel, 4);
        var otherSeq2 = Row(other, 2);
        var stored = await Store.Insert(Partition, [seq3, seq1 with { Data = seq1.Data.ToArray() }, seq4, rival2, otherSeq2]);
        Assert.Equal([true, true, true, false, true], stored);

        AssertRows([seq1, seq2, seq3, seq4], await Store.Read(Partition, channel, 0));
        AssertRows([otherSeq2], await Store.Read(Partition, other, 0));
    }

    [Fact]
    public async Task A_whole_insert_retried_is_stored_for_every_row_and_a_changed_row_of_it_refused()
    {
        var channel = NewChannel();
        var rows = Enumerable.Range(1, 12).Select(seq => Row(channel, seq)).ToArray();
        Assert.All(await Store.Insert(Partition, rows), Assert.True);

        var retried = rows.ToArray();
        retried[7] = Row(channel, 8);
        var stored = await Store.Insert(Partition, retried);
        Assert.Equal(rows.Select((_, i) => i != 7), stored);
        AssertRows(rows, await Store.Read(Partition, channel, 0));
    }

    [Fact]
    public async Task A_lone_row_retried_is_stored_and_a_lone_rival_refused()
    {
        // A quiet channel's row often travels alone; a provider may take a cheaper path for it, with the same contract.
        var channel = NewChannel();
        var row = Row(channel, 1);
        Assert.Equal([true], await Store.Insert(Partition, [row]));
        Assert.Equal([true], await Store.Insert(Partition, [row with { Data = row.Data.ToArray() }]));
        Assert.Equal([false], await Store.Insert(Partition, [Row(channel, 1)]));
        AssertRows([row], await Store.Read(Partition, channel, 0));
    }

    [Fact]
    public async Task One_call_carrying_a_seq_twice_keeps_the_first_and_accepts_a_repeat_of_it()
    {
        var channel = NewChannel();
        var first = Row(channel, 1);
        var next = Row(channel, 2);
        var stored = await Store.Insert(Partition, [first, Row(channel, 1), first, next]);
        Assert.Equal([true, false, true, true], stored);
        AssertRows([first, next], await Store.Read(Partition, channel, 0));
    }

    [Fact]
    public async Task Of_concurrent_inserts_of_different_bytes_under_one_seq_exactly_one_succeeds()
    {
        var channel = NewChannel();
        for (var seq = 1; seq <= 5; seq++)
        {
            var contenders = Enumerable.Range(0, 2).Select(_ => Row(channel, seq)).ToArray();
            var results = await Task.WhenAll(contenders.Select(row => Task.Run(() => Store.Insert(Partition, [row]))));
            var winner = Assert.Single(Enumerable.Range(0, contenders.Length), i => results[i][0]);
            AssertRows([contenders[winner]], await Store.Read(Partition, channel, seq - 1));
        }
    }

    [Fact]
    public async Task Channels_whose_keys_share_a_prefix_never_see_each_others_rows()
    {
        var community = $"c{Guid.NewGuid():n}";
        ChannelKey[] channels = [new(community, "a"), new(community, "ab"), new(community, "a-b"), new(community + "a", "a"), new(community, "a0")];
        var rows = channels.SelectMany(c => Enumerable.Range(1, 3).Select(seq => Row(c, seq))).ToArray();
        Assert.All(await Store.Insert(Partition, rows), Assert.True);

        foreach (var channel in channels)
        {
            AssertRows(rows.Where(r => r.Channel == channel), await Store.Read(Partition, channel, 0));
        }

        await Store.Delete(Partition, channels[0], 3);
        Assert.Empty(await Store.Read(Partition, channels[0], 0));
        foreach (var channel in channels.Skip(1))
        {
            AssertRows(rows.Where(r => r.Channel == channel), await Store.Read(Partition, channel, 0));
        }
    }

    [Fact]
    public async Task Replace_overwrites_existing_rows_and_creates_missing_ones()
    {
        var channel = NewChannel();
        var seq1 = Row(channel, 1);
        Assert.All(await Store.Insert(Partition, [seq1, Row(channel, 2)]), Assert.True);

        var edited = Row(channel, 2, bytes: 5);
        var created = Row(channel, 3);
        await Store.Replace(Partition, [edited, created]);
        AssertRows([seq1, edited, created], await Store.Read(Partition, channel, 0));

        // A replaced row is what an insert is now compared with.
        Assert.Equal([true, false], await Store.Insert(Partition, [created, Row(channel, 2)]));
    }

    [Fact]
    public async Task Delete_removes_exactly_the_rows_through_the_seq_and_may_be_repeated()
    {
        var channel = NewChannel();
        var rows = Enumerable.Range(1, 10).Select(seq => Row(channel, seq)).ToArray();
        Assert.All(await Store.Insert(Partition, rows), Assert.True);

        await Store.Delete(Partition, channel, 0);
        AssertRows(rows, await Store.Read(Partition, channel, 0));

        await Store.Delete(Partition, channel, 4);
        AssertRows(rows.Skip(4), await Store.Read(Partition, channel, 0));
        await Store.Delete(Partition, channel, 4);
        AssertRows(rows.Skip(4), await Store.Read(Partition, channel, 0));

        await Task.WhenAll(Store.Delete(Partition, channel, 7), Store.Delete(Partition, channel, 8));
        AssertRows(rows.Skip(8), await Store.Read(Partition, channel, 0));

        await Store.Delete(Partition, channel, long.MaxValue);
        Assert.Empty(await Store.Read(Partition, channel, 0));
        await Store.Delete(Partition, NewChannel(), 100);
    }

    [Fact]
    public async Task Rows_larger_than_one_chunk_round_trip()
    {
        var channel = NewChannel();
        var big = Row(channel, 1, bytes: 100 * 1024);
        var exact = Row(channel, 2, bytes: 64 * 1024);
        var small = Row(channel, 3);
        Assert.All(await Store.Insert(Partition, [big, exact, small]), Assert.True);
        AssertRows([big, exact, small], await Store.Read(Partition, channel, 0));

        // Compared over all its chunks when inserted again.
        Assert.Equal([true], await Store.Insert(Partition, [big with { Data = big.Data.ToArray() }]));
        var changed = big.Data.ToArray();
        changed[^1] ^= 1;
        Assert.Equal([false], await Store.Insert(Partition, [big with { Data = changed }]));

        var bigger = Row(channel, 2, bytes: 600 * 1024);
        await Store.Replace(Partition, [bigger]);
        AssertRows([big, bigger, small], await Store.Read(Partition, channel, 0));
    }

    [Fact]
    public async Task An_insert_larger_than_one_transaction_may_carry_stores_every_row()
    {
        var channel = NewChannel();
        var rows = Enumerable.Range(1, 24).Select(seq => Row(channel, seq, bytes: 200 * 1024)).ToArray();
        Assert.All(await Store.Insert(Partition, rows), Assert.True);
        AssertRows(rows, await Store.Read(Partition, channel, 0));
    }
}

/// <summary>The memory store: the reference the other providers are held to.</summary>
[Trait("Area", "Storage")]
public sealed class MemoryJournalStoreConformance : JournalStoreConformance
{
    protected override IJournalStore Store { get; } = new MemoryJournalStore(Guid.NewGuid().ToString("n"));
}

/// <summary>The Azure Table store against a real Azurite.</summary>
[Trait("Area", "Storage")]
public sealed class AzureTableJournalStoreConformance(AzuriteServerJournalFixture fixture) : JournalStoreConformance, IClassFixture<AzuriteServerJournalFixture>
{
    protected override IJournalStore Store => fixture.Store;

    [Fact]
    public async Task Rows_live_in_the_journal_table_beside_grain_state()
    {
        Assert.All(await Store.Insert(1, [Row(NewChannel(), 1)]), Assert.True);
        var service = StorageRegistration.CreateServiceClient(fixture.Options);
        var tables = new List<string>();
        await foreach (var table in service.QueryAsync(t => t.Name == fixture.Options.TableName + "journal"))
        {
            tables.Add(table.Name);
        }

        Assert.Single(tables);
    }

    [Fact]
    public async Task A_row_beyond_the_limit_is_refused_with_a_clear_error_and_nothing_of_the_call_is_written()
    {
        var channel = NewChannel();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            Store.Insert(1, [Row(channel, 1), Row(channel, 2, bytes: AzureTableJournalStore.MaxRowBytes + 1)]));
        Assert.Contains("at most", ex.Message, StringComparison.Ordinal);
        Assert.Contains(channel.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Empty(await Store.Read(1, channel, 0));

        var atLimit = Row(channel, 3, bytes: AzureTableJournalStore.MaxRowBytes);
        Assert.All(await Store.Insert(1, [atLimit]), Assert.True);
        var read = Assert.Single(await Store.Read(1, channel, 0));
        Assert.True(atLimit.Data.Span.SequenceEqual(read.Data.Span));
    }

    [Fact]
    public async Task Unreachable_storage_fails_fast_with_a_message_that_names_it()
    {
        var port = FreePort.Next();
        var store = AzureTableJournalStore.Create(new AzureTableStorageOptions
        {
            ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;",
            RequestTimeout = TimeSpan.FromSeconds(2),
        }, NullLogger<AzureTableJournalStore>.Instance);

        var started = DateTime.UtcNow;
        var insert = await Assert.ThrowsAsync<Errors.StorageUnavailableException>(() => store.Insert(0, [Row(NewChannel(), 1)]));
        var read = await Assert.ThrowsAsync<Errors.StorageUnavailableException>(() => store.Read(0, NewChannel(), 0));
        foreach (var ex in new[] { insert, read })
        {
            Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
            Assert.Contains("unreachable", ex.Message, StringComparison.Ordinal);
        }

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
    }
}

/// <summary>One Azurite for the Azure Table journal suite (the grain storage suite's fixture does not hand out its server).</summary>
public sealed class AzuriteServerJournalFixture : IAsyncLifetime
{
    private AzuriteServer _azurite = null!;

    public AzureTableStorageOptions Options { get; private set; } = null!;

    public AzureTableJournalStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteServer.StartAsync();
        Options = new AzureTableStorageOptions { ConnectionString = _azurite.ConnectionString, TableName = "conformance" };
        Store = AzureTableJournalStore.Create(Options, NullLogger<AzureTableJournalStore>.Instance);
    }

    public async Task DisposeAsync() => await _azurite.DisposeAsync();
}

/// <summary>The Redis store against a real redis-server.</summary>
[Trait("Area", "Storage")]
public sealed class RedisJournalStoreConformance(RedisServerJournalFixture fixture) : JournalStoreConformance, IClassFixture<RedisServerJournalFixture>
{
    protected override IJournalStore Store => fixture.Store;

    [Fact]
    public async Task Unreachable_redis_fails_with_a_message_that_names_it()
    {
        var port = FreePort.Next();
        using var store = new RedisJournalStore($"127.0.0.1:{port},connectTimeout=2000", "conformance");
        var started = DateTime.UtcNow;
        var ex = await Assert.ThrowsAsync<Errors.StorageUnavailableException>(() => store.Read(0, NewChannel(), 0));
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", ex.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
    }
}

/// <summary>One redis-server for the Redis journal suite, under a service id of its own.</summary>
public sealed class RedisServerJournalFixture : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public RedisJournalStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        Store = new RedisJournalStore(_redis.ConnectionString, $"conformance-{Guid.NewGuid():n}");
    }

    public async Task DisposeAsync()
    {
        Store.Dispose();
        await _redis.DisposeAsync();
    }
}
