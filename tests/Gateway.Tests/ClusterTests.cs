using CommunityScale.Gateway.Hosting;
using CommunityScale.Silo.Hosting;
using CommunityScale.StorageLink;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Cluster")]
public sealed class ClusterTests(SystemFixture fixture)
{
    /// <summary>Sends until acked, retrying with the same clientMessageId, as a client does while the cluster recovers.</summary>
    private static async Task<Posting.SendAck> SendWithRetry(TestUser user, string community, string channel, string text, TimeSpan within)
    {
        var clientMessageId = Guid.NewGuid().ToString("n");
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                return await user.Send(community, channel, text, clientMessageId);
            }
            catch (HubException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }
    }

    [Fact]
    public async Task Live_delivery_resumes_by_itself_after_the_silo_restarts_under_a_running_gateway()
    {
        await using var system = new ChatSystem(SystemFixture.Settings(fixture.Azurite));
        await system.StartAsync();
        await using var ann = await TestUser.ConnectAsync(system.GatewayUrl, "ann");
        await using var bob = await TestUser.ConnectAsync(system.GatewayUrl, "bob");
        var (community, channel) = await SystemFixture.NewChannel(ann, bob);
        await bob.JoinChannel(community, channel);
        await ann.Send(community, channel, "before");
        await bob.WaitUntil(u => u.Shown(community, channel).Count == 1, what: "the first message");

        await system.RestartSiloAsync();

        var ack = await SendWithRetry(ann, community, channel, "after", TimeSpan.FromSeconds(60));
        Assert.Equal(2, ack.Seq);
        await bob.WaitUntil(u => u.Shown(community, channel).Count == 2, TimeSpan.FromSeconds(30), "the message sent after the restart");
        await SendWithRetry(ann, community, channel, "and more", TimeSpan.FromSeconds(30));
        await bob.WaitUntil(u => u.Shown(community, channel).Count == 3, TimeSpan.FromSeconds(30), "a later message");
        Assert.Equal(["before", "after", "and more"], bob.Shown(community, channel).Select(m => m.Text));
    }

    [Fact]
    public async Task Messages_whose_points_were_still_being_written_when_the_silo_shut_down_count_once_after_it()
    {
        // The points grain stores what channels hand it once per Points:WriteDelay; a long delay keeps the channel's
        // round in flight when the silo is told to stop, so its channel goes without waiting for it (the drain path).
        var settings = SystemFixture.Settings(fixture.Azurite);
        settings["Points:WriteDelay"] = "00:00:04";
        await using var system = new ChatSystem(settings);
        await system.StartAsync();
        await using var ann = await TestUser.ConnectAsync(system.GatewayUrl, "ann");
        await using var bob = await TestUser.ConnectAsync(system.GatewayUrl, "bob");
        var (community, channel) = await SystemFixture.NewChannel(ann, bob);
        for (var i = 1; i <= 3; i++)
        {
            await ann.Send(community, channel, $"before {i}");
        }

        await system.RestartSiloAsync();

        // The next activation hands over again what the stored cursor had not passed; nothing is lost or counted twice.
        await SendWithRetry(ann, community, channel, "after", TimeSpan.FromSeconds(60));
        await WaitForPoints(ann, community, 4);
        await ann.Send(community, channel, "and one more");
        await WaitForPoints(ann, community, 5);
        Assert.Equal(5, (await ann.GetAsync<Gamification.PointsProfile>($"/api/communities/{community}/members/ann/points")).Points);
    }

    /// <summary>Waits until the member has at least <paramref name="atLeast"/> points, then requires exactly that many.</summary>
    private static async Task WaitForPoints(TestUser user, string community, long atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long points;
        while ((points = (await user.GetAsync<Gamification.PointsProfile>($"/api/communities/{community}/members/{user.UserId}/points")).Points) < atLeast
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(atLeast, points);
    }

    [Fact]
    public async Task On_redis_clustering_storage_and_reminders_fans_on_different_gateways_and_silos_chat()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var system = new ChatSystem(new Dictionary<string, string?>
        {
            ["Clustering:Provider"] = "Redis",
            ["Storage:Provider"] = "Redis",
            ["Reminders:Provider"] = "Redis",
            ["Redis:ConnectionString"] = redis.ConnectionString,
        });
        await system.StartAsync();
        await using var secondSilo = await system.StartExtraSiloAsync();
        var (secondGateway, secondUrl) = await system.StartExtraGatewayAsync(new Dictionary<string, string?>());
        await using (secondGateway)
        {
            await using var ann = await TestUser.ConnectAsync(system.GatewayUrl, "ann");
            await using var bob = await TestUser.ConnectAsync(secondUrl, "bob");
            var (community, channel) = await SystemFixture.NewChannel(ann, bob);
            await ann.JoinChannel(community, channel);
            await bob.JoinChannel(community, channel);

            // Enough channels that grains land on both silos.
            for (var i = 0; i < 3; i++)
            {
                await ann.Send(community, channel, $"ann {i}");
                await bob.Send(community, channel, $"bob {i}");
            }

            await ann.WaitUntil(u => u.Shown(community, channel).Count == 6, what: "six messages at ann's gateway");
            await bob.WaitUntil(u => u.Shown(community, channel).Count == 6, what: "six messages at bob's gateway");
            Assert.Equal(ann.Shown(community, channel).Select(m => m.MessageId), bob.Shown(community, channel).Select(m => m.MessageId));
            await secondGateway.StopAsync();
        }

        await secondSilo.StopAsync();
    }

    [Theory]
    [InlineData("--Storage:Provider=Cassandra", "Storage:Provider is 'Cassandra'")]
    [InlineData("--Clustering:Provider=Redis", "Redis:ConnectionString is required when Clustering:Provider is Redis")]
    [InlineData("--Reminders:Provider=Sometimes", "Reminders:Provider is 'Sometimes'")]
    public void Bad_provider_configuration_stops_the_silo_at_startup_with_the_setting_named(string arg, string message)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => SiloApp.Build([arg]));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_configuration_stops_the_gateway_at_startup_with_the_setting_named()
    {
        var noKey = Assert.Throws<InvalidOperationException>(() => GatewayApp.Build(["--Auth:SigningKey=short"]));
        Assert.Contains("Auth:SigningKey", noKey.Message, StringComparison.Ordinal);
        var badClustering = Assert.Throws<InvalidOperationException>(() =>
            GatewayApp.Build([$"--Auth:SigningKey={ChatSystem.SigningKey}", "--Clustering:Provider=Consul"]));
        Assert.Contains("Clustering:Provider is 'Consul'", badClustering.Message, StringComparison.Ordinal);
    }
}

[Trait("Area", "Cluster")]
public sealed class StorageOutageTests
{
    [Fact]
    public async Task While_storage_is_unreachable_sends_fail_fast_with_unavailable_and_the_system_recovers_by_itself()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var link = new TcpProxy(azurite.Port);
        await using var system = new ChatSystem(SystemFixture.SettingsThrough(azurite, link));
        await system.StartAsync();
        await using var ann = await TestUser.ConnectAsync(system.GatewayUrl, "ann");
        await using var bob = await TestUser.ConnectAsync(system.GatewayUrl, "bob");
        var (community, channel) = await SystemFixture.NewChannel(ann, bob);
        await bob.JoinChannel(community, channel);
        await ann.Send(community, channel, "before the outage");

        link.Cut();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<HubException>(() => ann.Send(community, channel, "during", "during-1"));
        Assert.Equal("unavailable", SystemFixture.CodeOf(refused));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the refusal took {clock.Elapsed}");
        var rest = await bob.PostAsync("/api/communities", new { id = $"o-{Guid.NewGuid():n}"[..20], name = "During" });
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, rest.StatusCode);

        link.Restore();
        // The client retries its refused send with the same clientMessageId until storage is back.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        Posting.SendAck? ack = null;
        while (ack is null)
        {
            try
            {
                ack = await ann.Send(community, channel, "during", "during-1");
            }
            catch (HubException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }
        }

        Assert.Equal(2, ack.Seq);
        await bob.WaitUntil(u => u.Shown(community, channel).Count == 2, TimeSpan.FromSeconds(30), "the message stored after recovery");
        var history = await bob.GetAsync<Chat.HistoryPage>($"/api/communities/{community}/channels/{channel}/messages");
        Assert.Equal(["before the outage", "during"], history.Messages.Select(m => m.Text));
    }
}
