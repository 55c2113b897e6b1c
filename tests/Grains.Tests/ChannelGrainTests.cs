using CommunityScale.Chat;
using CommunityScale.Chat.Journal;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Posting;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.Streams;

namespace CommunityScale.Grains.Tests;

[Collection(SharedCluster.Name)]
[Trait("Area", "Chat")]
public sealed class ChannelGrainTests(ClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "The Owner");

    private IClusterClient Client => fixture.Client;

    private async Task<ChannelKey> NewChannel(params string[] members)
    {
        var community = $"c-{Guid.NewGuid():n}";
        await Client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        foreach (var member in members)
        {
            await Client.GetGrain<ICommunityGrain>(community).Join(new Actor(member, member));
        }

        await Client.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, Owner);
        return new ChannelKey(community, "live");
    }

    private IChannelGrain Channel(ChannelKey key) => Client.GetGrain<IChannelGrain>(key.ToString());

    private static SendMessageCommand Say(string author, string text, string? clientMessageId = null) =>
        new(author, author, text, clientMessageId ?? Guid.NewGuid().ToString("n"));

    [Fact]
    public async Task Sends_get_gap_free_seq_and_survive_deactivation()
    {
        var key = await NewChannel("ann", "bob");
        var acks = new List<SendAck>();
        for (var i = 0; i < 4; i++)
        {
            acks.Add(await Channel(key).Send(Say(i % 2 == 0 ? "ann" : "bob", $"hello {i}")));
        }

        Assert.Equal([1L, 2, 3, 4], acks.Select(a => a.Seq));

        // A fresh activation reads only what storage has: every acked message must be there.
        await fixture.Cluster.DeactivateAsync(Channel(key));
        var history = await Channel(key).GetHistory(0, 50);
        Assert.Equal(4, history.LastSeq);
        Assert.Equal(["hello 0", "hello 1", "hello 2", "hello 3"], history.Messages.Select(m => m.Text));
        Assert.Equal(acks.Select(a => a.MessageId), history.Messages.Select(m => m.MessageId));
        Assert.Equal(5, (await Channel(key).Send(Say("ann", "after restart"))).Seq);
    }

    [Fact]
    public async Task A_retried_send_returns_the_first_ack_and_is_stored_once_even_after_deactivation()
    {
        var key = await NewChannel("ann");
        var first = await Channel(key).Send(Say("ann", "once", "cmid-1"));
        var retry = await Channel(key).Send(Say("ann", "once", "cmid-1"));
        Assert.Equal(first, retry);

        await fixture.Cluster.DeactivateAsync(Channel(key));
        Assert.Equal(first, await Channel(key).Send(Say("ann", "once", "cmid-1")));

        // The same id from another author is another message.
        await Client.GetGrain<ICommunityGrain>(key.CommunityId).Join(new Actor("bob", "bob"));
        Assert.Equal(2, (await Channel(key).Send(Say("bob", "mine", "cmid-1"))).Seq);
        var history = await Channel(key).GetHistory(0, 50);
        Assert.Equal(["once", "mine"], history.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Refused_sends_change_nothing()
    {
        var key = await NewChannel("ann");
        await Channel(key).Send(Say("ann", "first"));

        async Task AssertRefused(string code, SendMessageCommand command)
        {
            var ex = await Assert.ThrowsAsync<CommunityException>(() => Channel(key).Send(command));
            Assert.Equal(code, ex.Code);
        }

        await AssertRefused(ErrorCodes.NotMember, Say("stranger", "let me in"));
        await AssertRefused(ErrorCodes.Invalid, Say("ann", "   "));
        await AssertRefused(ErrorCodes.TooLong, Say("ann", new string('x', 2001)));
        await AssertRefused(ErrorCodes.Invalid, Say("ann", "ok", ""));
        var unknown = Client.GetGrain<IChannelGrain>(new ChannelKey(key.CommunityId, "nope").ToString());
        Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<CommunityException>(() => unknown.Send(Say("ann", "hi")))).Code);

        var history = await Channel(key).GetHistory(0, 50);
        Assert.Equal(1, history.LastSeq);
        Assert.Equal(["first"], history.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task The_member_rate_limit_refuses_the_sixth_send_in_five_seconds()
    {
        var key = await NewChannel("ann", "bob");
        for (var i = 0; i < 5; i++)
        {
            await Channel(key).Send(Say("ann", $"m{i}"));
        }

        var ex = await Assert.ThrowsAsync<CommunityException>(() => Channel(key).Send(Say("ann", "one too many")));
        Assert.Equal(ErrorCodes.RateLimited, ex.Code);
        Assert.Contains("try again in", ex.Reason, StringComparison.Ordinal);
        // Others are not affected, and the refused message left no trace.
        Assert.Equal(6, (await Channel(key).Send(Say("bob", "me too"))).Seq);
        var history = await Channel(key).GetHistory(0, 50);
        Assert.DoesNotContain(history.Messages, m => m.Text == "one too many");
    }

    [Fact]
    public async Task Five_thousand_messages_keep_the_channel_state_and_its_journal_bounded_and_read_back_in_order()
    {
        const int Total = 5000;
        const int Authors = Total / 5; // the rate limit allows five each
        var authors = Enumerable.Range(0, Authors).Select(i => $"fan-{i}").ToArray();
        var key = await NewChannel(authors);
        var services = fixture.Cluster.GetSiloServiceProvider();
        var storage = services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Main);
        var serializer = services.GetRequiredService<Serializer>();
        var journal = services.GetRequiredService<ChannelJournal>();
        var maxStateBytes = 0;
        var maxJournalled = 0;

        for (var i = 0; i < Total; i++)
        {
            var ack = await Channel(key).Send(Say(authors[i % Authors], $"message {i + 1}"));
            Assert.Equal(i + 1, ack.Seq);
            if (i % 250 == 0 || i == Total - 1)
            {
                var stored = new GrainState<ChannelState>(new ChannelState());
                await storage.ReadStateAsync("channel", Channel(key).GetGrainId(), stored);
                Assert.Empty(stored.State!.LegacyTail);
                maxStateBytes = Math.Max(maxStateBytes, serializer.SerializeToArray(stored.State).Length);
                var journalled = await journal.Read(ChannelJournal.AddressOf(key, journal.Partitions), 0);
                maxJournalled = Math.Max(maxJournalled, journalled.Count);
            }
        }

        // The record holds no messages at all; the journal holds the unsealed tail only (sealing waits for the
        // messages' follow-ups, so up to four pages while the award rounds catch up with one sender's pace).
        Assert.True(maxStateBytes < 1024, $"channel state grew to {maxStateBytes} bytes");
        Assert.True(maxJournalled <= 4 * ClusterFixture.PageSize, $"the journal held {maxJournalled} rows of the channel");

        var all = new List<ChatMessage>();
        HistoryPage page;
        do
        {
            page = await Channel(key).GetHistory(all.Count == 0 ? 0 : all[^1].Seq, InputRules.MaxPageLimit);
            all.AddRange(page.Messages);
        }
        while (page.HasMore);

        Assert.Equal(Total, all.Count);
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), all.Select(m => m.Seq));
        Assert.All(all, m => Assert.Equal($"message {m.Seq}", m.Text));
        Assert.Equal(Total - 49, (await Channel(key).GetRecent(50)).Messages[0].Seq);
    }

    [Fact]
    public async Task Each_accepted_message_is_published_once_on_the_channel_stream()
    {
        var key = await NewChannel("ann");
        var received = new List<ChatMessage>();
        var done = new TaskCompletionSource();
        var stream = Client.GetStreamProvider(StreamNames.Provider).GetStream<ChannelStreamEvent>(StreamNames.ForChannel(key));
        var handle = await stream.SubscribeAsync((e, _) =>
        {
            if (e is MessagePosted posted)
            {
                lock (received)
                {
                    received.Add(posted.Message);
                    if (received.Count == 3)
                    {
                        done.TrySetResult();
                    }
                }
            }

            return Task.CompletedTask;
        });

        await Channel(key).Send(Say("ann", "a", "x1"));
        await Channel(key).Send(Say("ann", "a", "x1"));
        await Channel(key).Send(Say("ann", "b"));
        await Channel(key).Send(Say("ann", "c"));
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await handle.UnsubscribeAsync();
        Assert.Equal([1L, 2, 3], received.Select(m => m.Seq));
    }

    [Theory]
    [InlineData(DeactivationReasonCode.ActivationIdle, true)]
    [InlineData(DeactivationReasonCode.ApplicationRequested, true)]
    [InlineData(DeactivationReasonCode.ShuttingDown, false)]
    [InlineData(DeactivationReasonCode.DirectoryFailure, false)]
    [InlineData(DeactivationReasonCode.HighMemoryPressure, false)]
    public void A_channel_waits_for_its_award_round_only_when_idle_or_asked_to_go(DeactivationReasonCode reason, bool waits) =>
        // DirectoryFailure is what every surviving silo's channels get when another silo drains or dies: waiting there
        // held their sends 5-10 s in chaos runs.
        Assert.Equal(waits, ChannelGrain.MayFinishAwards(reason));
}
