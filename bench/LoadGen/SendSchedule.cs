using System.Diagnostics;
using HdrHistogram;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Bench;

/// <summary>
/// Open-loop sends for a step: every sender on its own schedule, staggered, together at the offered rate, the channels
/// taken in turn. A fan's message does not wait for another's ack, so neither does the schedule. The send time travels
/// in the text (<see cref="Stopwatch.GetTimestamp"/>: CLOCK_MONOTONIC on Linux, one clock for every process of the
/// machine), so a receiver in any process measures send→receive.
/// </summary>
internal static class SendSchedule
{
    /// <summary>Sends this process waits on at once; beyond it the target cannot keep up and a send counts as refused.</summary>
    private const int MaxInFlightSends = 2_000;

    public static async Task Run(IReadOnlyList<HubConnection> senders, IReadOnlyList<ChannelTarget> targets, double rate, int seconds, SendCounts counts)
    {
        long nextTarget = 0;
        var interval = senders.Count / rate;
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        await Task.WhenAll(senders.Select(async (hub, s) =>
        {
            var next = Stopwatch.GetTimestamp() + (long)(s * interval / senders.Count * Stopwatch.Frequency);
            while (next < until)
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                next += (long)(interval * Stopwatch.Frequency);
                if (counts.InFlight >= MaxInFlightSends)
                {
                    // Rather than queue without bound in this process.
                    counts.Refuse();
                    continue;
                }

                var target = targets[(int)((ulong)Interlocked.Increment(ref nextTarget) % (ulong)targets.Count)];
                _ = SendOne(hub, target, counts);
            }
        }));
    }

    /// <summary>Waits until no send is in flight and <paramref name="delivered"/> reaches what was accepted, or the time is up.</summary>
    public static async Task Drain(SendCounts counts, int receiversPerMessage, Func<Task<long>> delivered, TimeSpan atMost, TimeSpan poll)
    {
        var until = DateTime.UtcNow + atMost;
        while (DateTime.UtcNow < until && (counts.InFlight > 0 || await delivered() < counts.Sent * receiversPerMessage))
        {
            await Task.Delay(poll);
        }
    }

    private static async Task SendOne(HubConnection hub, ChannelTarget target, SendCounts counts)
    {
        counts.Start();
        try
        {
            var sentAt = Stopwatch.GetTimestamp();
            await hub.InvokeAsync<object>("SendMessage", target.Community, target.Channel, $"{sentAt} load", Guid.NewGuid().ToString("n"));
            counts.Accept(Stopwatch.GetElapsedTime(sentAt));
        }
        catch (HubException)
        {
            counts.Refuse();
        }
        finally
        {
            counts.End();
        }
    }
}

/// <summary>A step's sends: accepted (acked), refused, and in flight; and how long each accepted one took to be acked.</summary>
internal sealed class SendCounts
{
    private readonly LongConcurrentHistogram _acks = new(1, TimeSpan.FromMinutes(1).Ticks, 3);
    private long _sent;
    private long _refused;
    private long _inFlight;

    public long Sent => Interlocked.Read(ref _sent);

    public long Refused => Interlocked.Read(ref _refused);

    public long InFlight => Interlocked.Read(ref _inFlight);

    public void Start() => Interlocked.Increment(ref _inFlight);

    public void End() => Interlocked.Decrement(ref _inFlight);

    /// <summary>An acked send, <paramref name="took"/> from the invocation to its answer (ours answers once the message is durable).</summary>
    public void Accept(TimeSpan took)
    {
        // Within the histogram's range (1 min): an ack slower than that is counted as taking that long, not lost.
        _acks.RecordValue(Math.Clamp(took.Ticks, 1, _acks.HighestTrackableValue));
        Interlocked.Increment(ref _sent);
    }

    /// <summary>The ack latency at <paramref name="percentile"/>, in ms (0 before any ack).</summary>
    public double AckMs(double percentile) => _acks.Ms(percentile);

    public void Refuse() => Interlocked.Increment(ref _refused);
}
