using System.Globalization;
using System.Text.Json;
using HdrHistogram;

namespace CommunityScale.Bench;

public sealed record FanoutResult(LoadOptions Options, long Sent, long Refused, long Delivered, long Expected, TimeSpan Elapsed, HistogramBase Latency)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private double Ms(double percentile) => Latency.GetValueAtPercentile(percentile) / (double)TimeSpan.TicksPerMillisecond;

    public double DeliveriesPerSecond => Delivered / Elapsed.TotalSeconds;

    public void Print()
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"clients={Options.Clients} sent={Sent} refused={Refused} delivered={Delivered}/{Expected} in {Elapsed.TotalSeconds:0.0} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"deliveries/s={DeliveriesPerSecond:0} send->receive p50={Ms(50):0.0} ms p99={Ms(99):0.0} ms p99.9={Ms(99.9):0.0} ms max={Latency.GetMaxValue() / (double)TimeSpan.TicksPerMillisecond:0.0} ms"));
    }

    public async Task WriteAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var document = new
        {
            machine = new { cores = Environment.ProcessorCount, os = Environment.OSVersion.ToString(), dotnet = Environment.Version.ToString() },
            scenarios = new[]
            {
                new
                {
                    name = $"fanout-{Options.Clients}",
                    metric = "deliveries_per_second",
                    ours = Math.Round(DeliveriesPerSecond),
                    clients = Options.Clients,
                    senders = Options.Senders,
                    rate_msgs_per_second = Options.Rate,
                    sent = Sent,
                    refused = Refused,
                    delivered = Delivered,
                    expected = Expected,
                    p50_ms = Math.Round(Ms(50), 2),
                    p99_ms = Math.Round(Ms(99), 2),
                    p999_ms = Math.Round(Ms(99.9), 2),
                    notes = "first cut (issue #3): JSON hub protocol, one process for load, server on the same 2 cores; baselines come with issue #5",
                },
            },
        };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(document, Indented));
        Console.WriteLine($"wrote {path}");
    }
}
