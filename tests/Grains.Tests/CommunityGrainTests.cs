using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Streams;
using Orleans.Streams;

namespace CommunityScale.Grains.Tests;

[Collection(SharedCluster.Name)]
[Trait("Area", "Chat")]
public sealed class CommunityGrainTests(ClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "The Owner");

    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task The_creator_owns_the_community_and_members_join_once()
    {
        var id = $"c-{Guid.NewGuid():n}";
        var info = await Client.GetGrain<ICommunityGrain>(id).Create("Fans of X", Owner);
        Assert.Equal("owner", info.OwnerId);
        Assert.Equal(MemberRole.Owner, (await Client.GetGrain<IMemberGrain>(MemberKey.For(id, "owner")).Get())!.Role);

        var first = await Client.GetGrain<ICommunityGrain>(id).Join(new Actor("ann", "Ann"));
        var again = await Client.GetGrain<ICommunityGrain>(id).Join(new Actor("ann", "Ann B."));
        Assert.Equal(first, again);
        Assert.Equal(MemberRole.Member, first.Role);

        var ex = await Assert.ThrowsAsync<CommunityException>(() => Client.GetGrain<ICommunityGrain>(id).Create("Again", new Actor("ann", "Ann")));
        Assert.Equal(ErrorCodes.AlreadyExists, ex.Code);
        Assert.Equal("owner", (await Client.GetGrain<ICommunityGrain>(id).GetInfo()).OwnerId);
    }

    [Fact]
    public async Task Only_owners_and_admins_create_channels()
    {
        var id = $"c-{Guid.NewGuid():n}";
        var community = Client.GetGrain<ICommunityGrain>(id);
        await community.Create("Fans", Owner);
        await community.Join(new Actor("ann", "Ann"));

        var forbidden = await Assert.ThrowsAsync<CommunityException>(() => community.CreateChannel("general", "General", null, new Actor("ann", "Ann")));
        Assert.Equal(ErrorCodes.Forbidden, forbidden.Code);
        var stranger = await Assert.ThrowsAsync<CommunityException>(() => community.CreateChannel("general", "General", null, new Actor("zed", "Zed")));
        Assert.Equal(ErrorCodes.NotMember, stranger.Code);
        Assert.Empty(await community.ListChannels());

        var channel = await community.CreateChannel("general", "General", 500, Owner);
        Assert.Equal(500, channel.MaxMessageLength);
        Assert.Equal(["general"], (await community.ListChannels()).Select(c => c.Id));
        Assert.Equal(ErrorCodes.AlreadyExists, (await Assert.ThrowsAsync<CommunityException>(() => community.CreateChannel("general", "Again", null, Owner))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() => community.CreateChannel("Bad/Id", "x", null, Owner))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() => community.CreateChannel("big", "x", 1_000_000, Owner))).Code);
    }

    [Fact]
    public async Task Unknown_communities_are_not_found()
    {
        var community = Client.GetGrain<ICommunityGrain>($"c-{Guid.NewGuid():n}");
        Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<CommunityException>(() => community.GetInfo())).Code);
        Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<CommunityException>(() => community.Join(new Actor("ann", "Ann")))).Code);
        Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<CommunityException>(() => community.ListChannels())).Code);
    }

    [Fact]
    public async Task Presence_keeps_the_count_of_a_gateway_that_is_alive_and_drops_one_that_is_not()
    {
        var key = new ChannelKey($"c-{Guid.NewGuid():n}", "live");
        var totals = System.Threading.Channels.Channel.CreateUnbounded<int>();
        var handle = await Client.GetStreamProvider(StreamNames.Provider).GetStream<ChannelStreamEvent>(StreamNames.ForChannel(key))
            .SubscribeAsync((e, _) => e is PresenceChanged p ? totals.Writer.WriteAsync(p.Online).AsTask() : Task.CompletedTask);
        var presence = Client.ChannelPresence(key);
        var live = $"gw-live-{Guid.NewGuid():n}";
        await presence.Report(live, 4);
        await presence.Report($"gw-gone-{Guid.NewGuid():n}", 2);
        Assert.Equal(6, await presence.GetOnline());

        // The test plays the live gateway's heartbeat, a periodic call well within the expiry (2 s here): that is what
        // the interval is for, not a wait for a result. Neither gateway reports again.
        var registry = Client.GatewayRegistry();
        using var stop = new CancellationTokenSource();
        var heartbeat = Task.Run(async () =>
        {
            using var every = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
            try
            {
                do
                {
                    await registry.Heartbeat(live);
                }
                while (await every.WaitForNextTickAsync(stop.Token));
            }
            catch (OperationCanceledException)
            {
            }
        });

        // The live report is the older: when the expiry check drops the silent gateway's, the live one's has been judged
        // too, so the total published after 6 is the live one's 4, never 0.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await totals.Reader.ReadAsync(timeout.Token) != 6)
        {
        }

        var total = await totals.Reader.ReadAsync(timeout.Token);

        await stop.CancelAsync();
        await heartbeat;
        await handle.UnsubscribeAsync();
        Assert.Equal(4, total);
        Assert.Equal(4, await presence.GetOnline());
        Assert.Contains(live, (await registry.Alive()).Gateways);
    }

    [Fact]
    public async Task Presence_sums_gateway_reports_and_drops_a_silent_gateway()
    {
        var key = new ChannelKey($"c-{Guid.NewGuid():n}", "live");
        var totals = new List<int>();
        var stream = Client.GetStreamProvider(StreamNames.Provider).GetStream<ChannelStreamEvent>(StreamNames.ForChannel(key));
        var seen = new SemaphoreSlim(0);
        var handle = await stream.SubscribeAsync((e, _) =>
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

        var presence = Client.GetGrain<IChannelPresenceGrain>(key.ToString());
        await presence.Report("gw-a", 3);
        await presence.Report("gw-b", 2);
        await presence.Report("gw-b", 2);
        Assert.Equal(5, await presence.GetOnline());

        // gw-a keeps reporting, gw-b goes silent: after the expiry (2 s here) only gw-a counts.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await presence.GetOnline() != 3 && DateTime.UtcNow < deadline)
        {
            await presence.Report("gw-a", 3);
            await seen.WaitAsync(TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal(3, await presence.GetOnline());
        while (totals.Count < 3 && await seen.WaitAsync(TimeSpan.FromSeconds(5)))
        {
        }

        await handle.UnsubscribeAsync();
        lock (totals)
        {
            Assert.Equal([3, 5, 3], totals.Take(3));
        }
    }
}
