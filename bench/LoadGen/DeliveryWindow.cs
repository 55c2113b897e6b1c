using System.Diagnostics;
using HdrHistogram;

namespace CommunityScale.Bench;

/// <summary>Counts deliveries of messages sent inside the current step only (stragglers of earlier steps are ignored).</summary>
internal sealed class DeliveryWindow
{
    private LongConcurrentHistogram _histogram = New();
    private long _fromTicks = long.MaxValue;
    private long _delivered;

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Start()
    {
        Volatile.Write(ref _histogram, New());
        Interlocked.Exchange(ref _delivered, 0);
        var now = Stopwatch.GetTimestamp();
        Volatile.Write(ref _fromTicks, now);
        return now;
    }

    public (long Delivered, HistogramBase Histogram) Stop(long from)
    {
        Volatile.Write(ref _fromTicks, long.MaxValue);
        return (Interlocked.Read(ref _delivered), Volatile.Read(ref _histogram));
    }

    public void OnMessage(ReceivedMessage message)
    {
        var text = message.Text;
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !long.TryParse(text.AsSpan(0, space), System.Globalization.CultureInfo.InvariantCulture, out var sentTicks))
        {
            return;
        }

        if (sentTicks >= Volatile.Read(ref _fromTicks))
        {
            Volatile.Read(ref _histogram).RecordValue(Math.Max(1, Stopwatch.GetTimestamp() - sentTicks) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
            Interlocked.Increment(ref _delivered);
        }
    }

    private static LongConcurrentHistogram New() => new(1, TimeSpan.FromMinutes(1).Ticks, 3);
}
