using CommunityScale.Chat;
using CommunityScale.Chat.Journal;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Posting;
using CommunityScale.Silo.Storage.Journal;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Storage;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// The silo-wide chat journal (issue 24): accepted messages of many channels share its writes, a seq can never hold two
/// messages, the channel's own record holds no messages, and erasure and retention reach the journal's rows.
/// </summary>
[Collection(SharedCluster.Name)]
[Trait("Area", "Chat")]
public sealed class ChatJournalTests(ClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "The Owner");

    private IClusterClient Client => fixture.Client;

    private ChannelJournal Journal => fixture.Cluster.GetSiloServiceProvider().GetRequiredService<ChannelJournal>();

    private Serializer Serializer => fixture.Cluster.GetSiloServiceProvider().GetRequiredService<Serializer>();

    private async Task<ChannelKey> NewChannel(params string[] members)
    {
        var community = $"j-{Guid.NewGuid():n}";
        await Client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        foreach (var member in members)
        {
            await Client.GetGrain<ICommunityGrain>(community).Join(new Actor(member, member));
        }

        await Client.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, Owner);
        return new ChannelKey(community, "live");
    }

    private IChannelGrain Channel(ChannelKey key) => Client.Channel(key);

    private Task<IReadOnlyList<ChatMessage>> Journalled(ChannelKey key) => Journal.Read(ChannelJournal.AddressOf(key, Journal.Partitions), 0);

    private static SendMessageCommand Say(string author, string text, string? clientMessageId = null) =>
        new(author, author, text, clientMessageId ?? Guid.NewGuid().ToString("n"));

    private static ChatMessage Message(ChannelKey key, long seq, string text) =>
        new(key.CommunityId, key.ChannelId, seq, Guid.NewGuid().ToString("n"), "ann", "Ann", text, DateTimeOffset.UnixEpoch, $"c{seq}");

    [Fact]
    public async Task A_seq_taken_by_another_activation_refuses_the_second_message_and_a_retried_append_succeeds()
    {
        var journal = new ChannelJournal(new MemoryJournalStore(Guid.NewGuid().ToString("n")), Serializer, Microsoft.Extensions.Options.Options.Create(new JournalOptions()), NullLogger<ChannelJournal>.Instance);
        var address = ChannelJournal.AddressOf(new ChannelKey("race", "live"), journal.Partitions);
        var first = Message(address.Channel, 1, "from the activation that won");
        await journal.Append(address, [first]);

        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => journal.Append(address, [Message(address.Channel, 1, "from the stale activation")]));
        Assert.Contains("another activation", ex.Message, StringComparison.Ordinal);
        // A retry of the same append (its reply was lost) is no conflict.
        await journal.Append(address, [first]);
        Assert.Equal([first], await journal.Read(address, 0));
    }

    [Fact]
    public async Task Appends_of_many_channels_queued_together_share_storage_operations_and_keep_each_channels_order()
    {
        var store = new CountingJournalStore(new MemoryJournalStore(Guid.NewGuid().ToString("n")), insertTakes: TimeSpan.FromMilliseconds(20));   // a round trip to storage
        var journal = new ChannelJournal(store, Serializer, Microsoft.Extensions.Options.Options.Create(new JournalOptions { Partitions = 1 }), NullLogger<ChannelJournal>.Instance);
        var channels = Enumerable.Range(0, 200).Select(i => ChannelJournal.AddressOf(new ChannelKey("many", $"ch-{i}"), 1)).ToList();

        // Two appends per channel, the second queued behind the first: 400 rows while the first write is in flight.
        var appends = channels.Select(a => journal.Append(a, [Message(a.Channel, 1, "one")]))
            .Concat(channels.Select(a => journal.Append(a, [Message(a.Channel, 2, "two"), Message(a.Channel, 3, "three")])))
            .ToList();
        await Task.WhenAll(appends);

        Assert.InRange(store.Inserts, 6, 7);   // 600 rows, at most 100 an operation (the first may go alone)
        Assert.All(store.BatchSizes, size => Assert.InRange(size, 1, 100));
        foreach (var address in channels)
        {
            Assert.Equal(["one", "two", "three"], (await journal.Read(address, 0)).Select(m => m.Text));
        }
    }

    [Fact]
    public async Task The_channel_record_holds_no_messages_and_a_fresh_activation_rebuilds_its_tail_from_the_journal()
    {
        var key = await NewChannel("ann", "bob", "cid");
        var acks = new List<SendAck>();
        for (var i = 0; i < 15; i++)
        {
            // Three authors, five each: the rate limit's allowance.
            acks.Add(await Channel(key).Send(Say(new[] { "ann", "bob", "cid" }[i % 3], $"m{i}")));
        }

        var stored = new GrainState<ChannelState>(new ChannelState());
        var storage = fixture.Cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(StorageNames.Main);
        await storage.ReadStateAsync("channel", Channel(key).GetGrainId(), stored);
        Assert.Empty(stored.State!.LegacyTail);
        Assert.Empty(stored.State.Changed);

        await fixture.Cluster.DeactivateAsync(Channel(key));
        var history = await Channel(key).GetHistory(0, 50);
        Assert.Equal(acks.Select(a => a.MessageId), history.Messages.Select(m => m.MessageId));
    }

    [Fact]
    public async Task Erasure_and_retention_rewrite_the_journal_rows_not_only_what_reads_show()
    {
        var key = await NewChannel("ann", "bob");
        await Channel(key).Send(Say("ann", "ann's secret"));
        await Channel(key).Send(Say("bob", "hi @ann"));
        await Channel(key).Send(Say("bob", "bob's old words"));

        await Channel(key).EraseMember("ann", "member-7");
        var rows = await Journalled(key);
        Assert.Equal(["", "hi @member-7", "bob's old words"], rows.Select(m => m.Text));
        Assert.Equal("", rows[0].AuthorId);

        await Channel(key).Purge(DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.All(await Journalled(key), m => Assert.Equal(("", ""), (m.Text, m.AuthorId)));
        await fixture.Cluster.DeactivateAsync(Channel(key));
        Assert.All((await Channel(key).GetHistory(0, 10)).Messages, m => Assert.True(m.Removed));
    }

    [Fact]
    public async Task A_tail_stored_before_the_journal_moves_into_it_on_activation()
    {
        var key = new ChannelKey($"legacy-{Guid.NewGuid():n}", "live");
        var storage = fixture.Cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(StorageNames.Main);
        var old = new ChannelState
        {
            Info = new ChannelInfo(key.CommunityId, key.ChannelId, "Live", 2000, "owner", DateTimeOffset.UnixEpoch),
            LastSeq = 3,
            PageSize = ClusterFixture.PageSize,
            LegacyTail = [Message(key, 1, "one"), Message(key, 2, "two"), Message(key, 3, "three")],
        };
        await storage.WriteStateAsync("channel", Channel(key).GetGrainId(), new GrainState<ChannelState>(old));

        Assert.Equal(["one", "two", "three"], (await Channel(key).GetHistory(0, 10)).Messages.Select(m => m.Text));
        Assert.Equal(["one", "two", "three"], (await Journalled(key)).Select(m => m.Text));
        var stored = new GrainState<ChannelState>(new ChannelState());
        await storage.ReadStateAsync("channel", Channel(key).GetGrainId(), stored);
        Assert.Empty(stored.State!.LegacyTail);
        Assert.Equal(Journal.Partitions, stored.State.JournalPartitions);
        Assert.Equal(4, (await Channel(key).AcceptApproved(Say("ann", "four"))).Seq);
    }

    [Fact]
    public async Task A_hundred_thousand_message_channel_reads_back_complete_and_in_order()
    {
        const int Total = 100_000;
        var key = await NewChannel("ann");
        for (var sent = 0; sent < Total; sent += 1_000)
        {
            // A thousand at a time: they share the channel's group commit and the journal's writes.
            var acks = await Task.WhenAll(Enumerable.Range(sent, 1_000).Select(i => Channel(key).AcceptApproved(Say("ann", $"m{i + 1}", $"c{i + 1}"))));
            Assert.Equal(Enumerable.Range(sent + 1, 1_000).Select(i => (long)i), acks.Select(a => a.Seq).Order());
        }

        await fixture.Cluster.DeactivateAsync(Channel(key));
        var read = 0L;
        var texts = new HashSet<string>();
        HistoryPage page;
        do
        {
            page = await Channel(key).GetHistory(read, InputRules.MaxPageLimit);
            foreach (var message in page.Messages)
            {
                Assert.Equal(++read, message.Seq);
                Assert.True(texts.Add(message.Text), $"{message.Text} twice");
            }
        }
        while (page.HasMore);

        Assert.Equal(Total, read);
        Assert.Equal(Total, texts.Count);
        Assert.InRange((await Journalled(key)).Count, 1, 4 * ClusterFixture.PageSize);
    }

    [Fact]
    public async Task A_page_sealed_again_after_a_crash_keeps_the_removal_or_erasure_made_on_either_copy()
    {
        var key = new ChannelKey($"reseal-{Guid.NewGuid():n}", "live");
        var page = Client.HistoryPage(key, 0);
        var (first, second, third) = (Message(key, 1, "one"), Message(key, 2, "two"), Message(key, 3, "three"));
        await page.Seal([first, second, third]);
        await page.Redact(1);   // a moderator, on the page, before the channel's checkpoint was stored

        // The re-seal comes from the tail, where the second message was erased and the third edited meanwhile.
        var edited = third with { Text = "three, edited", EditedAt = DateTimeOffset.UnixEpoch.AddHours(1) };
        await page.Seal([first, Privacy.Tombstones.Of(second), edited]);

        var held = await page.Read();
        Assert.True(held[0].Removed);
        Assert.Equal(("", ""), (held[1].Text, held[1].AuthorId));
        Assert.Equal("three, edited", held[2].Text);
    }
}
