using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Gateway.Relay;
using CommunityScale.Moderation;
using CommunityScale.Streams;
using CommunityScale.TestSupport;
using CommunityScale.Threads;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Chat")]
public sealed class RelayTests(SystemFixture fixture)
{
    private static readonly Type[] Relays =
        [typeof(ChannelRelay), typeof(ThreadRelay), typeof(MemberRelay), typeof(ModerationRelay), typeof(SessionRelay), typeof(KpiRelay)];

    [Fact]
    public void Every_relay_is_registered_once_as_a_connection_relay_and_is_the_same_singleton()
    {
        var services = fixture.System.GatewayServices;
        var all = services.GetServices<IConnectionRelay>().ToList();
        foreach (var type in Relays)
        {
            Assert.Same(services.GetRequiredService(type), Assert.Single(all, r => r.GetType() == type));
        }

        Assert.Equal(all.Count, all.Distinct().Count());
        // The sequenced relays run their catch-up loop as hosted services; the same instance, started once.
        var hosted = services.GetServices<IHostedService>().ToList();
        Assert.Same(services.GetRequiredService<ChannelRelay>(), Assert.Single(hosted.OfType<ChannelRelay>()));
        Assert.Same(services.GetRequiredService<ThreadRelay>(), Assert.Single(hosted.OfType<ThreadRelay>()));
    }

    [Fact]
    public void A_connection_index_keeps_each_key_once_and_forgets_a_connection_with_its_last_key()
    {
        var index = new ConnectionIndex<string>();
        index.Add("c1", "a");
        index.Add("c1", "a");
        index.Add("c1", "b");
        index.Add("c2", "a");
        index.Remove("c1", "a");
        index.Remove("c1", "never-added");
        Assert.Equal(["b"], index.RemoveAll("c1"));
        Assert.Empty(index.RemoveAll("c1"));

        index.Remove("c2", "a");
        Assert.Empty(index.RemoveAll("c2"));
    }

    [Fact]
    public void A_connection_index_loses_no_key_to_concurrent_adds_and_removes_of_one_connection()
    {
        var index = new ConnectionIndex<int>();
        Parallel.For(0, 2_000, i =>
        {
            index.Add("c", i);
            if (i % 2 == 1)
            {
                index.Remove("c", i);
            }
        });

        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => i * 2), index.RemoveAll("c").Order());
    }

    [Fact]
    public void A_relay_added_twice_is_registered_once()
    {
        var services = new ServiceCollection().AddRelay<IdleRelay>().AddRelay<IdleRelay>();

        using var provider = services.BuildServiceProvider();
        var relay = provider.GetRequiredService<IdleRelay>();
        Assert.Same(relay, Assert.Single(provider.GetServices<IConnectionRelay>()));
        Assert.Same(relay, Assert.Single(provider.GetServices<IHostedService>()));
    }

    [Fact]
    public async Task A_closed_connection_leaves_every_relay_and_its_last_subscriptions_go()
    {
        var userId = $"relay-{Guid.NewGuid():n}"[..20];
        await using var owner = await TestUser.ConnectAsync(fixture.Url, userId);
        var (community, channel) = await SystemFixture.NewChannel(owner);
        var thread = await Responses.Created<ThreadSummary>(await owner.PostAsync($"/api/communities/{community}/threads",
            new { kind = "Discussion", title = "Relays", body = "One interface." }));
        var now = DateTimeOffset.UtcNow;
        (await owner.PostAsync($"/api/communities/{community}/events", new
        {
            id = "day",
            title = "Day",
            startsAt = now.AddHours(-1),
            endsAt = now.AddHours(1),
            capacity = 10,
            sessions = new[] { new { id = "talk", title = "Talk", startsAt = now.AddHours(-1), endsAt = now.AddHours(1) } },
        })).EnsureSuccessStatusCode();

        await owner.JoinChannel(community, channel);
        await owner.Hub.InvokeAsync<Hubs.JoinThreadResult>("JoinThread", community, thread.ThreadId, null);
        Assert.True((await owner.WatchCommunity(community)).ModerationEvents);
        await owner.Hub.InvokeAsync("WatchKpis", community);
        await owner.Hub.InvokeAsync<List<Events.Question>>("WatchSession", community, "day", "talk");

        // The gateway's own subscriptions, one per relay: this connection is each stream's only listener here.
        var cluster = fixture.System.GatewayServices.GetRequiredService<IClusterClient>();
        var memberKey = await cluster.GetGrain<IUserAccountGrain>(userId).GetStreamKey();
        Func<Task<int>>[] subscriptions =
        [
            () => Count<ChannelStreamEvent>(cluster, StreamNames.ForChannel(new ChannelKey(community, channel))),
            () => Count<ThreadStreamEvent>(cluster, StreamNames.ForThread(new ThreadKey(community, thread.ThreadId))),
            () => Count<MemberStreamEvent>(cluster, StreamNames.ForMember(memberKey)),
            () => Count<ModerationEvent>(cluster, StreamNames.ForModeration(community)),
            () => Count<SessionStreamEvent>(cluster, StreamNames.ForSession(Api.EventEndpoints.SessionKey(community, "day", "talk"))),
            () => Count<KpiStreamEvent>(cluster, StreamNames.ForKpis(community)),
        ];
        foreach (var count in subscriptions)
        {
            Assert.Equal(1, await count());
        }

        await owner.Hub.StopAsync();

        await Responses.Eventually(async () =>
        {
            foreach (var count in subscriptions)
            {
                if (await count() != 0)
                {
                    return false;
                }
            }

            return true;
        }, "every relay to unsubscribe the closed connection's streams");
    }

    private static async Task<int> Count<TEvent>(IClusterClient cluster, StreamId stream) =>
        (await cluster.GetStreamProvider(StreamNames.Provider).GetStream<TEvent>(stream).GetAllSubscriptionHandles()).Count;

    private sealed class IdleRelay : BackgroundService, IConnectionRelay
    {
        public Task LeaveAll(string connectionId) => Task.CompletedTask;

        public Task OnClusterReconnected() => Task.CompletedTask;

        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
    }
}
