using System.Diagnostics;
using System.Globalization;
using CommunityScale.Chat;
using CommunityScale.Gateway.Tests;
using CommunityScale.Posting;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Operations.Tests;

/// <summary>
/// A client as a real app behaves: when its gateway goes away it reconnects to a live one, rejoins with the last
/// seq it has shown, and retries an unacked send with the same clientMessageId.
/// </summary>
internal sealed class ResilientClient(string userId, IReadOnlyList<Uri> gateways, string community, string channel) : IAsyncDisposable
{
    private readonly List<ChatMessage> _shown = [];
    private TestUser? _current;
    private int _next;

    public IReadOnlyList<ChatMessage> Shown
    {
        get
        {
            lock (_shown)
            {
                Absorb();
                return [.. _shown];
            }
        }
    }

    public int Reconnects { get; private set; }

    public async Task<SendAck> Send(string text, string clientMessageId, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                var user = await Connected();
                return await user.Send(community, channel, text, clientMessageId);
            }
            // Any failure of the call or the transport (refusal, closed connection, reset socket): retry, same id.
            catch (Exception ex) when (DateTime.UtcNow < deadline && ex is not OutOfMemoryException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }
    }

    /// <summary>The connection in use, reconnecting (round robin over the gateways) when it has dropped.</summary>
    public async Task<TestUser> Connected()
    {
        if (_current is { Hub.State: HubConnectionState.Connected })
        {
            return _current;
        }

        lock (_shown)
        {
            Absorb();
        }

        if (_current is not null)
        {
            await _current.DisposeAsync();
            _current = null;
            Reconnects++;
        }

        var url = gateways[_next++ % gateways.Count];
        var user = await TestUser.ConnectAsync(url, userId);
        long last;
        lock (_shown)
        {
            last = _shown.Count == 0 ? 0 : _shown[^1].Seq;
        }

        var join = await user.JoinChannel(community, channel, last);
        lock (_shown)
        {
            foreach (var message in join.Messages)
            {
                Show(message);
            }
        }

        _current = user;
        return user;
    }

    private void Absorb()
    {
        if (_current is null)
        {
            return;
        }

        foreach (var message in _current.Received.Where(m => m.CommunityId == community && m.ChannelId == channel))
        {
            Show(message);
        }
    }

    private void Show(ChatMessage message)
    {
        if (_shown.Count == 0 ? message.Seq == 1 : message.Seq == _shown[^1].Seq + 1)
        {
            _shown.Add(message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_current is not null)
        {
            await _current.DisposeAsync();
        }
    }
}

[Trait("Area", "Operations")]
public sealed class RollingUpgradeTests
{
    [Fact]
    public async Task A_rolling_restart_of_silos_then_gateways_during_live_traffic_loses_no_acked_message_and_clients_converge()
    {
        const int PortBase = 7600;
        try
        {
            var (code, output) = await LocalClusterScript.Run("up", PortBase);
            Assert.True(code == 0, output);
            var gateways = LocalClusterScript.Gateways(output);
            Assert.Equal(2, gateways.Count);

            await using var owner = await TestUser.ConnectAsync(gateways[0], "owner", connectHub: false);
            var community = $"r-{Guid.NewGuid():n}"[..16];
            (await owner.PostAsync("/api/communities", new { id = community, name = "Rolling" })).EnsureSuccessStatusCode();
            (await owner.PostAsync($"/api/communities/{community}/channels", new { id = "live", name = "Live" })).EnsureSuccessStatusCode();

            var clients = new List<ResilientClient>();
            for (var i = 0; i < 4; i++)
            {
                // Each client starts on a different gateway; all are members and send.
                var order = i % 2 == 0 ? gateways : [gateways[1], gateways[0]];
                var client = new ResilientClient($"fan-{i}", order, community, "live");
                await using (var member = await TestUser.ConnectAsync(order[0], $"fan-{i}", connectHub: false))
                {
                    (await member.PostAsync($"/api/communities/{community}/members")).EnsureSuccessStatusCode();
                }

                await client.Connected();
                clients.Add(client);
            }

            var acked = new System.Collections.Concurrent.ConcurrentBag<SendAck>();
            using var stop = new CancellationTokenSource();
            var traffic = Task.WhenAll(clients.Select(async (client, i) =>
            {
                // The member rate limit allows 5 per 5 s: one message per second per client keeps well inside it.
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    acked.Add(await client.Send($"fan-{i} message {n}", $"fan-{i}-{n}", TimeSpan.FromSeconds(120)));
                    await Task.Delay(TimeSpan.FromSeconds(1.1));
                }
            }));

            await Task.Delay(TimeSpan.FromSeconds(2));
            var (restartCode, restartOutput) = await LocalClusterScript.Run("rolling-restart", PortBase);
            Assert.True(restartCode == 0, restartOutput);
            await Task.Delay(TimeSpan.FromSeconds(2));
            await stop.CancelAsync();
            await traffic;

            var history = new List<ChatMessage>();
            HistoryPage page;
            do
            {
                page = await owner.GetAsync<HistoryPage>($"/api/communities/{community}/channels/live/messages?afterSeq={(history.Count == 0 ? 0 : history[^1].Seq)}&limit=200");
                history.AddRange(page.Messages);
            }
            while (page.HasMore);

            Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(m => m.Seq));
            Assert.Equal(acked.Select(a => a.MessageId).Order(), history.Select(m => m.MessageId).Order());
            Assert.True(clients.Sum(c => c.Reconnects) >= 4, "every client should have lived through its gateway's restart");

            foreach (var client in clients)
            {
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (client.Shown.Count < history.Count && DateTime.UtcNow < deadline)
                {
                    await client.Connected();
                    await Task.Delay(TimeSpan.FromMilliseconds(200));
                }

                Assert.Equal(history.Select(m => m.MessageId), client.Shown.Select(m => m.MessageId));
                await client.DisposeAsync();
            }
        }
        finally
        {
            await LocalClusterScript.Run("down", PortBase);
        }
    }
}
