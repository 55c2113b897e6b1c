using System.Collections.Concurrent;
using System.Diagnostics;
using CommunityScale.Chat;
using CommunityScale.Posting;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Xunit.Abstractions;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// Two silos and two gateways as real processes on Redis (clustering and storage). Senders retry every unacked send
/// with the same clientMessageId, as the contract tells clients to.
/// </summary>
[Trait("Area", "Cluster")]
public sealed class FaultTests(ITestOutputHelper output)
{
    private const int Channels = 6;
    private const int Senders = 4;
    private const int RoundsPerSender = 6;

    private static Dictionary<string, string?> Settings(RedisServer redis) => new()
    {
        ["Clustering:Provider"] = "Redis",
        ["Storage:Provider"] = "Redis",
        ["Redis:ConnectionString"] = redis.ConnectionString,
        ["Chat:RateLimitCount"] = "100000",
        // A sender's burst outruns the community-wide budget (20 posts per 10 s) too: a refusal's wait would hide the fault's.
        ["Chat:CommunityRateLimitCount"] = "100000",
        // Small pages: the burst seals some while it lasts, so the silo dies between journal appends and compaction's
        // steps (page sealed, checkpoint stored, journal rows deleted), not only between appends.
        ["Chat:HistoryPageSize"] = "10",
        ["Chat:AwardRoundInterval"] = "00:00:00.100",
        // Detect a dead silo in seconds, not the production default's tens of seconds.
        ["Orleans:Membership:ProbeTimeout"] = "00:00:01",
        ["Orleans:Membership:NumMissedProbesLimit"] = "2",
        ["Orleans:Membership:NumVotesForDeathDeclaration"] = "1",
        ["Orleans:Messaging:ResponseTimeout"] = "00:00:05",
        ["Gateway:CatchUpInterval"] = "00:00:01",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    private sealed record Acked(string Channel, SendAck Ack, string Text);

    /// <remarks>
    /// With <paramref name="gatewayWaitsLong"/> the gateways give a grain call ten minutes instead of five seconds: a
    /// send the gateway had written to the dead silo's connection would then hang for minutes, unless the gateway sends
    /// it again as soon as that connection closes (SiloConnections). The burst must still end within three minutes.
    /// </remarks>
    [Theory]
    [InlineData("kill", false)]
    [InlineData("sigterm", false)]
    [InlineData("kill", true)]
    public async Task A_silo_that_dies_or_drains_mid_burst_loses_no_acked_message_and_every_client_converges(string how, bool gatewayWaitsLong)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = new ProcessCluster(Settings(redis));
        var siloA = await cluster.StartSiloAsync("silo-a");
        await cluster.StartSiloAsync("silo-b");
        var gatewaySettings = gatewayWaitsLong ? new Dictionary<string, string?> { ["Orleans:Messaging:ResponseTimeout"] = "00:10:00" } : null;
        var gateways = new[] { await cluster.StartGatewayAsync("gw-1", gatewaySettings), await cluster.StartGatewayAsync("gw-2", gatewaySettings) };

        await using var owner = await TestUser.ConnectAsync(gateways[0].Url, "owner", connectHub: false);
        var community = $"f-{Guid.NewGuid():n}"[..16];
        (await owner.PostAsync("/api/communities", new { id = community, name = "Faults" })).EnsureSuccessStatusCode();
        var channels = Enumerable.Range(0, Channels).Select(i => $"ch-{i}").ToArray();
        foreach (var channel in channels)
        {
            (await owner.PostAsync($"/api/communities/{community}/channels", new { id = channel, name = channel })).EnsureSuccessStatusCode();
        }

        var senders = new List<TestUser>();
        for (var s = 0; s < Senders; s++)
        {
            var sender = await TestUser.ConnectAsync(gateways[s % 2].Url, $"sender-{s}");
            (await sender.PostAsync($"/api/communities/{community}/members")).EnsureSuccessStatusCode();
            foreach (var channel in channels)
            {
                await sender.JoinChannel(community, channel);
            }

            senders.Add(sender);
        }

        var acked = new ConcurrentBag<Acked>();
        var killedAt = 0L;
        var firstAckAfterKill = 0L;
        var longestSendMs = 0L;
        var clock = Stopwatch.StartNew();
        var burst = Task.WhenAll(senders.Select(async (sender, s) =>
        {
            for (var round = 0; round < RoundsPerSender; round++)
            {
                foreach (var channel in channels)
                {
                    var text = $"{sender.UserId} round {round} in {channel}";
                    var sendStarted = clock.ElapsedMilliseconds;
                    var ack = await SendUntilAcked(sender, community, channel, text, $"{s}-{round}-{channel}");
                    var took = clock.ElapsedMilliseconds - sendStarted;
                    long seen;
                    while (took > (seen = Interlocked.Read(ref longestSendMs)) && Interlocked.CompareExchange(ref longestSendMs, took, seen) != seen)
                    {
                    }

                    acked.Add(new Acked(channel, ack, text));
                    var started = Interlocked.Read(ref killedAt);
                    if (started > 0)
                    {
                        Interlocked.CompareExchange(ref firstAckAfterKill, clock.ElapsedMilliseconds, 0);
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(20));
                }
            }
        }));

        while (acked.Count < Senders * Channels && !burst.IsCompleted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        Interlocked.Exchange(ref killedAt, clock.ElapsedMilliseconds);
        if (how == "kill")
        {
            await siloA.KillAsync();
        }
        else
        {
            Assert.Equal(0, await siloA.TerminateAsync(TimeSpan.FromSeconds(60)));
        }

        // Far longer than a burst takes (seconds), far shorter than a send left to the ten-minute wait would hang.
        await burst.WaitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine($"{how}: {acked.Count} acked; first ack {firstAckAfterKill - killedAt} ms after the silo was {how}ed; " +
            $"longest send until acked (retries included) {longestSendMs} ms; burst took {clock.Elapsed.TotalSeconds:0.0} s");

        Assert.Equal(Senders * RoundsPerSender * Channels, acked.Count);
        foreach (var channel in channels)
        {
            var history = await ReadAll(senders[^1], community, channel);
            var mine = acked.Where(a => a.Channel == channel).ToList();
            // Every acked message is stored exactly once, with a gap-free seq, and nothing unacked slipped in.
            Assert.Equal(Enumerable.Range(1, mine.Count).Select(i => (long)i), history.Select(m => m.Seq));
            Assert.Equal(mine.Select(a => a.Ack.MessageId).Order(), history.Select(m => m.MessageId).Order());
            Assert.All(mine, a => Assert.Equal(a.Text, history[(int)a.Ack.Seq - 1].Text));

            foreach (var sender in senders)
            {
                await Converge(sender, community, channel, history);
            }
        }
    }

    [Fact]
    public async Task Clients_of_a_gateway_that_dies_reconnect_with_their_last_seq_and_converge()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = new ProcessCluster(Settings(redis));
        await cluster.StartSiloAsync("silo-a");
        var doomed = await cluster.StartGatewayAsync("gw-doomed");
        var survivor = await cluster.StartGatewayAsync("gw-survivor");

        await using var sender = await TestUser.ConnectAsync(survivor.Url, "sender");
        var (community, channel) = await SystemFixture.NewChannel(sender);
        var fans = new List<TestUser>();
        for (var i = 0; i < 3; i++)
        {
            var fan = await TestUser.ConnectAsync(doomed.Url, $"fan-{i}");
            await fan.JoinChannel(community, channel);
            fans.Add(fan);
        }

        var sending = Task.Run(async () =>
        {
            for (var i = 1; i <= 60; i++)
            {
                await SendUntilAcked(sender, community, channel, $"m{i}", $"m{i}");
                await Task.Delay(TimeSpan.FromMilliseconds(25));
            }
        });

        await fans[0].WaitUntil(u => u.Shown(community, channel).Count >= 10, TimeSpan.FromSeconds(30), "ten messages before the gateway dies");
        await doomed.KillAsync();

        // Each fan reconnects (to the surviving gateway) and joins with the last seq it has shown.
        var reconnected = new List<(TestUser Fan, long LastSeq)>();
        foreach (var fan in fans)
        {
            var last = fan.Shown(community, channel) is [.., var newest] ? newest.Seq : 0;
            var again = await TestUser.ConnectAsync(survivor.Url, fan.UserId);
            var join = await again.JoinChannel(community, channel, last);
            if (join.Messages is [var first, ..])
            {
                Assert.Equal(last + 1, first.Seq);
            }

            reconnected.Add((again, join.Messages is [.., var caughtUp] ? caughtUp.Seq : last));
            await fan.DisposeAsync();
        }

        await sending;
        var history = await ReadAll(sender, community, channel);
        Assert.Equal(60, history.Count);
        foreach (var (fan, afterJoin) in reconnected)
        {
            await fan.WaitUntil(u => (u.Shown(community, channel, afterJoin) is [.., var newest] ? newest.Seq : afterJoin) == 60, TimeSpan.FromSeconds(30), "the rest live");
            await fan.DisposeAsync();
        }
    }

    private static async Task<SendAck> SendUntilAcked(TestUser sender, string community, string channel, string text, string clientMessageId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            try
            {
                return await sender.Send(community, channel, text, clientMessageId);
            }
            catch (HubException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }
    }

    private static async Task<List<ChatMessage>> ReadAll(TestUser user, string community, string channel)
    {
        var all = new List<ChatMessage>();
        HistoryPage page;
        do
        {
            page = await user.GetAsync<HistoryPage>($"/api/communities/{community}/channels/{channel}/messages?afterSeq={(all.Count == 0 ? 0 : all[^1].Seq)}&limit=200");
            all.AddRange(page.Messages);
        }
        while (page.HasMore);

        return all;
    }

    /// <summary>A client's view converges: what it shows (live, gap-filled, deduplicated by seq) is the whole history, in order.</summary>
    private static async Task Converge(TestUser user, string community, string channel, List<ChatMessage> history)
    {
        await user.WaitUntil(u => u.Shown(community, channel).Count >= history.Count, TimeSpan.FromSeconds(60), $"{channel} to converge");
        Assert.Equal(history.Select(m => m.MessageId), user.Shown(community, channel).Select(m => m.MessageId));
    }
}
