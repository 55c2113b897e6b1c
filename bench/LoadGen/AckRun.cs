using System.Diagnostics;
using System.Text.Json;
using HdrHistogram;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Bench;

/// <summary>
/// Durable sends into one hot channel: K senders in a closed loop (each sends, awaits the ack, sends again), so the
/// metric is what storage allows: acked sends per second and the ack latency.
/// </summary>
public static class AckRun
{
    public static async Task<Part> RunAsync(LoadOptions o)
    {
        using var http = new HttpClient { BaseAddress = o.Url };
        var community = $"acks-{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        await Http.CreateChannel(http, community, "hot");
        var senders = new List<HubConnection>();
        for (var s = 0; s < o.Senders; s++)
        {
            senders.Add(await Connections.Connect(o, http, $"sender-{s}", community, member: true));
        }

        var histogram = new LongConcurrentHistogram(1, TimeSpan.FromMinutes(1).Ticks, 3);
        long acked = 0, refused = 0;
        async Task Loop(TimeSpan duration, bool record)
        {
            var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(senders.Select(async hub =>
            {
                while (Stopwatch.GetTimestamp() < until)
                {
                    var start = Stopwatch.GetTimestamp();
                    try
                    {
                        await hub.InvokeAsync<JsonElement>("SendMessage", community, "hot", $"durable load {Stopwatch.GetTimestamp()}", Guid.NewGuid().ToString("n"));
                        if (record)
                        {
                            histogram.RecordValue(Math.Max(1, Stopwatch.GetElapsedTime(start).Ticks));
                            Interlocked.Increment(ref acked);
                        }
                    }
                    catch (HubException)
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
            }));
        }

        Console.WriteLine($"[{o.Scenario}/{o.Role}] {o.Senders} senders in a closed loop into one channel for {o.StepSeconds} s (after {o.WarmupSeconds} s warm-up)");
        await Loop(TimeSpan.FromSeconds(o.WarmupSeconds), record: false);
        var probe = new ServerProbe(o, http);
        var before = await probe.Take();
        var clock = Stopwatch.StartNew();
        await Loop(TimeSpan.FromSeconds(o.StepSeconds), record: true);
        var elapsed = clock.Elapsed;
        var used = await probe.Since(before);
        await Task.WhenAll(senders.Select(c => c.DisposeAsync().AsTask()));
        var perSecond = Math.Round(Interlocked.Read(ref acked) / elapsed.TotalSeconds);
        Console.WriteLine($"acked/s={perSecond} refused={Interlocked.Read(ref refused)} ack p50={histogram.Ms(50)} ms p99={histogram.Ms(99)} ms p99.9={histogram.Ms(99.9)} ms");
        var extra = new Dictionary<string, double> { ["senders"] = o.Senders, ["refused"] = Interlocked.Read(ref refused) };
        StorageFigures.Add(used, extra);
        return new Part(o.Scenario, o.Role, o.BaselineName, "acked_sends_per_second", perSecond, histogram.Ms(50), histogram.Ms(99), histogram.Ms(99.9), o.Notes, extra, []);
    }
}
