using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using HdrHistogram;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Bench;

/// <summary>
/// One fan-out measurement. Every client joins one channel; senders send at a fixed total rate with their send time
/// (this process's monotonic clock) in the text, so each receiver measures send→receive on the same clock.
/// </summary>
public static class FanoutRun
{
    public static async Task<FanoutResult> RunAsync(LoadOptions o)
    {
        using var http = new HttpClient { BaseAddress = o.Url };
        var community = $"bench-{DateTime.UtcNow:yyyyMMddHHmmss}";
        await Http.CreateChannel(http, community, "live");

        var histogram = new LongConcurrentHistogram(1, TimeSpan.FromMinutes(1).Ticks, 3);
        var measuring = false;
        long measureFromTicks = long.MaxValue;
        long delivered = 0;
        var connections = new List<HubConnection>(o.Clients);
        Console.WriteLine($"connecting {o.Clients} clients to {o.Url} ...");
        var connectClock = Stopwatch.StartNew();
        for (var batch = 0; batch < o.Clients; batch += 100)
        {
            var tasks = Enumerable.Range(batch, Math.Min(100, o.Clients - batch)).Select(async i =>
            {
                var token = await Http.Token(http, $"fan-{i}");
                var hub = new HubConnectionBuilder().WithUrl(new Uri(o.Url, "/hubs/community"), c =>
                {
                    c.AccessTokenProvider = () => Task.FromResult<string?>(token);
                    c.SkipNegotiation = true;
                    c.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
                }).Build();
                hub.On<JsonElement>("ChannelMessage", message =>
                {
                    var text = message.GetProperty("text").GetString()!;
                    var sentTicks = long.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
                    // Only messages sent inside the measured window count (warm-up messages may still be in flight).
                    if (Volatile.Read(ref measuring) && sentTicks >= Volatile.Read(ref measureFromTicks))
                    {
                        histogram.RecordValue(Math.Max(1, Stopwatch.GetTimestamp() - sentTicks) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
                        Interlocked.Increment(ref delivered);
                    }
                });
                await hub.StartAsync();
                await hub.InvokeAsync<JsonElement>("JoinChannel", community, "live", null);
                return hub;
            });
            connections.AddRange(await Task.WhenAll(tasks));
        }

        Console.WriteLine($"connected in {connectClock.Elapsed.TotalSeconds:0.0} s; sending {o.Rate} msg/s from {o.Senders} senders");
        var senders = new List<HubConnection>();
        for (var s = 0; s < o.Senders; s++)
        {
            senders.Add(await Http.ConnectMember(http, o.Url, community, $"sender-{s}"));
        }

        long sent = 0, refused = 0;
        async Task SendFor(TimeSpan duration)
        {
            var interval = TimeSpan.FromSeconds(o.Senders / o.Rate);
            var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(senders.Select(async (hub, s) =>
            {
                var next = Stopwatch.GetTimestamp() + (long)(s * interval.TotalSeconds / o.Senders * Stopwatch.Frequency);
                while (next < until)
                {
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait);
                    }

                    try
                    {
                        await hub.InvokeAsync<JsonElement>("SendMessage", community, "live", $"{Stopwatch.GetTimestamp()} load", Guid.NewGuid().ToString("n"));
                        Interlocked.Increment(ref sent);
                    }
                    catch (HubException)
                    {
                        Interlocked.Increment(ref refused);
                    }

                    next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                }
            }));
        }

        await SendFor(TimeSpan.FromSeconds(o.WarmupSeconds));
        Interlocked.Exchange(ref sent, 0);
        Volatile.Write(ref measureFromTicks, Stopwatch.GetTimestamp());
        Volatile.Write(ref measuring, true);
        var clock = Stopwatch.StartNew();
        await SendFor(TimeSpan.FromSeconds(o.Seconds));
        // Let in-flight deliveries land: at most two seconds after the last send.
        var expected = Interlocked.Read(ref sent) * o.Clients;
        var drainUntil = DateTime.UtcNow.AddSeconds(2);
        while (Interlocked.Read(ref delivered) < expected && DateTime.UtcNow < drainUntil)
        {
            await Task.Delay(50);
        }

        var elapsed = clock.Elapsed;
        Volatile.Write(ref measuring, false);
        await Task.WhenAll(connections.Concat(senders).Select(c => c.DisposeAsync().AsTask()));
        return new FanoutResult(o, Interlocked.Read(ref sent), Interlocked.Read(ref refused), Interlocked.Read(ref delivered), expected, elapsed, histogram);
    }
}
