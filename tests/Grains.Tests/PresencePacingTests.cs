using CommunityScale.Chat;
using CommunityScale.Streams;
using Orleans.Streams;

namespace CommunityScale.Grains.Tests;

[Trait("Area", "ScaleOut")]
public sealed class PresencePacingTests
{
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(50, 0.05)]
    [InlineData(10_000, 10)]
    [InlineData(40_000, 30)]
    [InlineData(1_000_000, 30)]
    public void A_count_waits_its_audience_over_the_budget_and_never_longer_than_the_cap(int online, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), PresencePacing.Interval(online, 1_000, Max));

    [Fact]
    public void The_larger_of_the_published_and_the_new_count_sets_the_pace()
    {
        // Falling from 20,000 to 10: the 20,000 who hold the last count still receive this one.
        Assert.Equal(TimeSpan.FromSeconds(19), PresencePacing.Wait(T0, 20_000, 10, T0.AddSeconds(1), 1_000, Max));
        Assert.Equal(TimeSpan.FromSeconds(19), PresencePacing.Wait(T0, 10, 20_000, T0.AddSeconds(1), 1_000, Max));
        Assert.Equal(TimeSpan.Zero, PresencePacing.Wait(T0, 20_000, 10, T0.AddSeconds(25), 1_000, Max));
    }

    [Fact]
    public void A_first_count_is_published_at_once() =>
        Assert.Equal(TimeSpan.Zero, PresencePacing.Wait(default, 0, 40_000, T0, 1_000, Max));

    [Fact]
    public void A_budget_of_zero_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PresencePacing.Interval(10, 0, Max));
}

[Collection(SharedCluster.Name)]
[Trait("Area", "ScaleOut")]
public sealed class PresencePacingGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_big_channel_filling_up_gets_one_count_per_wait_and_the_latest_one_last()
    {
        var key = new ChannelKey($"c-{Guid.NewGuid():n}", "stadium");
        var totals = new List<int>();
        var seen = new SemaphoreSlim(0);
        var handle = await fixture.Client.GetStreamProvider(StreamNames.Provider).GetStream<ChannelStreamEvent>(StreamNames.ForChannel(key))
            .SubscribeAsync((e, _) =>
            {
                if (e is PresenceChanged p)
                {
                    lock (totals)
                    {
                        totals.Add(p.Online);
                    }

                    seen.Release();
                }

                return Task.CompletedTask;
            });

        // 3,000 online at the test cluster's budget of 1,000 deliveries a second: the next count waits 3 s, so the
        // reports that arrive meanwhile (two gateways filling up) fold into one publish of the latest total.
        var presence = fixture.Client.GetGrain<IChannelPresenceGrain>(key.ToString());
        await presence.Report("gw-a", 3_000);
        for (var i = 1; i <= 10; i++)
        {
            await presence.Report("gw-b", i * 10);
        }

        Assert.Equal(3_100, await presence.GetOnline());

        // The test cluster drops a gateway silent for 2 s, so both keep reporting their (unchanged) counts meanwhile.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Count() < 2 && DateTime.UtcNow < deadline)
        {
            await presence.Report("gw-a", 3_000);
            await presence.Report("gw-b", 100);
            await seen.WaitAsync(TimeSpan.FromMilliseconds(500));
        }

        await handle.UnsubscribeAsync();
        lock (totals)
        {
            Assert.Equal([3_000, 3_100], totals.Take(2));
        }

        int Count()
        {
            lock (totals)
            {
                return totals.Count;
            }
        }
    }
}
