using System.Diagnostics.Metrics;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Posting;
using CommunityScale.Telemetry;

namespace CommunityScale.Grains.Tests;

[Collection(SharedCluster.Name)]
[Trait("Area", "Cluster")]
public sealed class GroupCommitTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Concurrent_sends_share_storage_writes_and_keep_seq_gap_free_ordered_and_idempotent()
    {
        const int Authors = 40;
        const int PerAuthor = 5;
        var community = $"c-{Guid.NewGuid():n}";
        var owner = new Actor("owner", "Owner");
        await fixture.Client.GetGrain<ICommunityGrain>(community).Create("Fans", owner);
        for (var a = 0; a < Authors; a++)
        {
            await fixture.Client.GetGrain<ICommunityGrain>(community).Join(new Actor($"fan-{a}", $"Fan {a}"));
        }

        await fixture.Client.GetGrain<ICommunityGrain>(community).CreateChannel("hot", "Hot", null, owner);
        var channel = fixture.Client.GetGrain<IChannelGrain>(new ChannelKey(community, "hot").ToString());

        long writes = 0, stored = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ChatMetrics.MeterName && instrument.Name is "chat.storage.writes" or "chat.messages.stored")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "chat.storage.writes")
            {
                Interlocked.Add(ref writes, value);
            }
            else
            {
                Interlocked.Add(ref stored, value);
            }
        });
        listener.Start();

        // Forty authors send at once; each sends its five messages one after another (as a hub connection does), and
        // each send is retried concurrently with itself.
        var perAuthor = await Task.WhenAll(Enumerable.Range(0, Authors).Select(async a =>
        {
            var pairs = new List<SendAck>();
            for (var i = 0; i < PerAuthor; i++)
            {
                var command = new SendMessageCommand($"fan-{a}", $"Fan {a}", $"fan {a} says {i}", $"a{a}-m{i}");
                pairs.AddRange(await Task.WhenAll(channel.Send(command), channel.Send(command)));
            }

            return pairs;
        }));
        var acks = perAuthor.SelectMany(p => p).ToArray();

        for (var k = 0; k < acks.Length; k += 2)
        {
            Assert.Equal(acks[k], acks[k + 1]);
        }

        var distinct = acks.Where((_, k) => k % 2 == 0).ToList();
        Assert.Equal(Enumerable.Range(1, Authors * PerAuthor).Select(i => (long)i), distinct.Select(a => a.Seq).Order());

        var history = await channel.GetHistory(0, 200);
        Assert.Equal(Authors * PerAuthor, history.Messages.Count);
        Assert.Equal(distinct.OrderBy(a => a.Seq).Select(a => a.MessageId), history.Messages.Select(m => m.MessageId));
        // Each author's messages keep the order the author sent them in.
        foreach (var author in history.Messages.GroupBy(m => m.AuthorId))
        {
            Assert.Equal(Enumerable.Range(0, PerAuthor).Select(i => $"{author.First().AuthorName.ToLowerInvariant()} says {i}"), author.Select(m => m.Text));
        }

        listener.RecordObservableInstruments();
        Assert.Equal(Authors * PerAuthor, Interlocked.Read(ref stored));
        Assert.True(Interlocked.Read(ref writes) < Authors * PerAuthor / 4,
            $"{Interlocked.Read(ref writes)} storage writes for {Authors * PerAuthor} messages: group commit did not batch");
    }
}
