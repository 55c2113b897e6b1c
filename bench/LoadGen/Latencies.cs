using HdrHistogram;

namespace CommunityScale.Bench;

/// <summary>How the load generator reads its latency histograms, which all record TimeSpan ticks.</summary>
internal static class Latencies
{
    /// <summary>The latency at <paramref name="percentile"/> in ms, rounded to <paramref name="digits"/> (0 when nothing was recorded).</summary>
    public static double Ms(this HistogramBase histogram, double percentile, int digits = 2) =>
        histogram.TotalCount == 0 ? 0 : Math.Round(histogram.GetValueAtPercentile(percentile) / (double)TimeSpan.TicksPerMillisecond, digits);
}
