using System.Globalization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Bench;

/// <summary>
/// One listener process of <see cref="ClusterRun"/> (<c>--mode listen</c>): its share of the clients, each in the channel
/// and on the gateway its global index picks (<see cref="ChannelLayout"/>: the run <c>--community</c>, <c>--channels</c>
/// of them). It takes orders on standard input, one per line, and answers on standard output: <c>start</c> opens a
/// delivery window, <c>count</c> answers the deliveries so far, <c>stop</c> closes the window and answers <c>result
/// delivered p50 p99 p99.9</c> (ms), <c>quit</c> ends (and <c>connect</c>, after <c>signed-in</c>, with
/// <c>--sign-in-first</c>). A process holds at most 15,000 connections: the open-file limit here is 20,000 per process.
/// </summary>
internal static class ClusterListener
{
    public const int MaxConnectionsPerProcess = 15_000;

    // Tens of thousands of connections on 2 shared cores: a handshake or a server ping can wait longer than SignalR's
    // defaults (15 s, 30 s) while the machine is busy connecting; both sides of a comparison get the same settings.
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ServerTimeout = TimeSpan.FromMinutes(2);

    public static async Task<int> RunAsync(LoadOptions o)
    {
        if (o.Clients > MaxConnectionsPerProcess)
        {
            throw new ArgumentException($"a listener holds at most {MaxConnectionsPerProcess} connections (the open-file limit); use more --processes.");
        }

        var window = new DeliveryWindow();
        var channels = ChannelLayout.Channels(o.Community, o.Channels);
        var connections = new List<HubConnection>(o.Clients);
        var https = o.Urls.Select(u => new HttpClient { BaseAddress = u }).ToArray();
        try
        {
            var tokens = new string?[o.Clients];
            if (o.SignInFirst && !o.Bare)
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, o.Clients), new ParallelOptions { MaxDegreeOfParallelism = 16 },
                    async (local, _) => tokens[local] = await Http.Token(https[ChannelLayout.GatewayOf(o.First + local, channels.Length, o.Urls.Count)], $"fan-{o.First + local}"));
            }

            if (o.SignInFirst)
            {
                Console.WriteLine("signed-in");
                if (Console.ReadLine() != "connect")
                {
                    return 2;
                }
            }

            // 50 at a time per process: with several processes connecting tens of thousands of clients to gateways on the
            // same 2 cores, 100 at a time let handshakes wait past their timeout. A connect that fails all the same is
            // tried again (up to three times), as a fan's browser would.
            for (var batch = 0; batch < o.Clients; batch += 50)
            {
                connections.AddRange(await Task.WhenAll(Enumerable.Range(batch, Math.Min(50, o.Clients - batch)).Select(async local =>
                {
                    var global = o.First + local;
                    var gateway = ChannelLayout.GatewayOf(global, channels.Length, o.Urls.Count);
                    var channel = channels[ChannelLayout.ChannelOf(global, channels.Length)];
                    var token = o.Bare ? null : tokens[local] ?? await Http.Token(https[gateway], $"fan-{global}");
                    for (var attempt = 1; ; attempt++)
                    {
                        var hub = Connections.Build(o, o.Urls[gateway], token);
                        hub.HandshakeTimeout = HandshakeTimeout;
                        hub.ServerTimeout = ServerTimeout;
                        try
                        {
                            await hub.StartAsync();
                            hub.On<ReceivedMessage>("ChannelMessage", window.OnMessage);
                            await hub.InvokeAsync<object>("JoinChannel", channel.Community, channel.Channel, null);
                            return hub;
                        }
                        catch (Exception ex) when (attempt < 3 && ex is HubException or OperationCanceledException or TimeoutException or IOException or HttpRequestException or System.Net.WebSockets.WebSocketException)
                        {
                            await hub.DisposeAsync();
                        }
                    }
                })));
            }

            Console.WriteLine("ready");
            while (Console.ReadLine() is { } order)
            {
                switch (order)
                {
                    case "start":
                        window.Start();
                        Console.WriteLine("started");
                        break;
                    case "count":
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"count {window.Delivered}"));
                        break;
                    case "stop":
                        var (delivered, histogram) = window.Stop(0);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"result {delivered} {histogram.Ms(50)} {histogram.Ms(99)} {histogram.Ms(99.9)}"));
                        break;
                    case "quit":
                        return 0;
                    default:
                        Console.Error.WriteLine($"unknown order '{order}'");
                        return 2;
                }
            }

            return 0;
        }
        finally
        {
            await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
            foreach (var http in https)
            {
                http.Dispose();
            }
        }
    }
}
