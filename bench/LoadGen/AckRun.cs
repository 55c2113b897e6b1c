using System.Diagnostics;
using System.Net.Http.Json;
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
    public static async Task<AckResult> RunAsync(LoadOptions o)
    {
        using var http = new HttpClient { BaseAddress = o.Url };
        var community = $"acks-{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        await Http.CreateChannel(http, community, "hot");
        var senders = new List<HubConnection>();
        for (var s = 0; s < o.Senders; s++)
        {
            senders.Add(await Http.ConnectMember(http, o.Url, community, $"sender-{s}"));
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

        Console.WriteLine($"{o.Senders} senders in a closed loop into one channel for {o.Seconds} s (after {o.WarmupSeconds} s warm-up)");
        await Loop(TimeSpan.FromSeconds(o.WarmupSeconds), record: false);
        var clock = Stopwatch.StartNew();
        await Loop(TimeSpan.FromSeconds(o.Seconds), record: true);
        var elapsed = clock.Elapsed;
        await Task.WhenAll(senders.Select(c => c.DisposeAsync().AsTask()));
        return new AckResult(o, Interlocked.Read(ref acked), Interlocked.Read(ref refused), elapsed, histogram);
    }
}

public sealed record AckResult(LoadOptions Options, long Acked, long Refused, TimeSpan Elapsed, HistogramBase Latency)
{
    public double AcksPerSecond => Acked / Elapsed.TotalSeconds;

    public double Ms(double percentile) => Latency.GetValueAtPercentile(percentile) / (double)TimeSpan.TicksPerMillisecond;

    public void Print() => Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"senders={Options.Senders} acked={Acked} refused={Refused} acked/s={AcksPerSecond:0} ack p50={Ms(50):0.0} ms p99={Ms(99):0.0} ms p99.9={Ms(99.9):0.0} ms"));
}
