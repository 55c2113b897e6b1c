using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CommunityScale.Bench;

/// <summary>
/// One rate step of a sweep (or a measured step): <paramref name="Accepted"/> sends were acked; <paramref name="ServerCpuMs"/>
/// is each server process's CPU over the step (in <c>--pids</c> order), <paramref name="LoadCpuMs"/> the load generator's,
/// and <paramref name="Seconds"/> the step's length with its drain; <paramref name="AckP50"/> and <paramref name="AckP99"/> the
/// send→ack latency of the acked sends (ms), where <paramref name="P50"/> and <paramref name="P99"/> are send→receive.
/// </summary>
public sealed record StepResult(
    string Label, double Rate, double DeliveriesPerSecond, double P50, double P99, double P999, long Delivered, long Expected, long Refused,
    long Accepted = 0, IReadOnlyList<double>? ServerCpuMs = null, double LoadCpuMs = 0, double Seconds = 0, double AckP50 = 0, double AckP99 = 0)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"  {Rate,7:0.#} msg/s -> {DeliveriesPerSecond,9:0} deliveries/s ({Delivered}/{Expected}, {Refused} refused)  p50 {P50,7:0.0} ms  p99 {P99,7:0.0} ms  p99.9 {P999,7:0.0} ms{(AckP99 > 0 ? string.Create(CultureInfo.InvariantCulture, $"  ack p50 {AckP50:0.0} p99 {AckP99:0.0} ms") : "")}");
}

/// <summary>One channel size of <c>--mode sizes</c>: CPU of the process behind the gateway per accepted message at one rate.</summary>
public sealed record SizePoint(
    string Side, int Members, double Rate, long Accepted, double SiloCpuUsPerMessage, double SiloIdleMsPerSecond, double SiloCpuUsPerMessageAboveIdle,
    double GatewayCpuUsPerMessage, double P50, double P99, double DeliveredShare);

/// <summary>
/// One target's result for one scenario; the report pairs "ours" with its baseline. <paramref name="Method"/> says how the
/// metric was measured where it is not the default knee; <paramref name="CompareRates"/> are offered rates run on both
/// targets alike; <paramref name="Points"/> are a channel-size sweep's.
/// </summary>
public sealed record Part(
    string Scenario, string Role, string BaselineName, string Metric, double Value, double P50, double P99, double P999, string Notes,
    Dictionary<string, double> Extra, IReadOnlyList<StepResult> Steps, string? MeasuredIn = null, string? Method = null,
    IReadOnlyList<double>? CompareRates = null, IReadOnlyList<SizePoint>? Points = null);

/// <summary>Parts on disk (one file per scenario and role), and the report that joins them into latest.json and charts.</summary>
public static class Results
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static async Task WritePart(string resultsDir, Part part)
    {
        var dir = Path.Combine(resultsDir, "parts");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, $"{part.Scenario}.{part.Role}.json"), JsonSerializer.Serialize(part, Options));
    }

    public static async Task<int> Pair(string resultsDir, string from, string scenario, string baselineName, string role)
    {
        var source = Path.Combine(resultsDir, "parts", $"{from}.{role}.json");
        if (!File.Exists(source))
        {
            Console.Error.WriteLine($"no result of {role} for {from} in {source}");
            return 1;
        }

        var measured = JsonSerializer.Deserialize<Part>(await File.ReadAllTextAsync(source), Options)!;
        await WritePart(resultsDir, measured with { Scenario = scenario, BaselineName = baselineName, Notes = $"{measured.Notes} ({role} measured once, in {from})", MeasuredIn = from });
        return 0;
    }

    public static async Task<int> Report(string resultsDir)
    {
        var dir = Path.Combine(resultsDir, "parts");
        var parts = Directory.Exists(dir)
            ? Directory.GetFiles(dir, "*.json").Select(f => JsonSerializer.Deserialize<Part>(File.ReadAllText(f), Options)!).ToList()
            : [];
        if (parts.Count == 0)
        {
            Console.Error.WriteLine($"no results in {dir}");
            return 1;
        }

        var scenarios = parts.GroupBy(p => p.Scenario).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => ScenarioEntry.Build(g.Key, g.FirstOrDefault(p => p.Role == "ours"), g.FirstOrDefault(p => p.Role == "baseline"))).ToList();
        var report = new Dictionary<string, object>
        {
            ["machine"] = new Dictionary<string, object>
            {
                ["cores"] = Environment.ProcessorCount,
                ["os"] = Environment.OSVersion.VersionString,
                ["dotnet"] = Environment.Version.ToString(),
                ["at"] = DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture),
            },
            ["scenarios"] = scenarios,
        };
        var json = JsonSerializer.Serialize(report, Options);
        await File.WriteAllTextAsync(Path.Combine(resultsDir, "latest.json"), json);
        await File.WriteAllTextAsync(Path.Combine(resultsDir, $"run-{DateTime.UtcNow:yyyy-MM-dd-HHmm}.json"), json);
        Chart.Write(parts, Path.Combine(resultsDir, "latest.png"));
        var charts = "latest.png";
        if (parts.Any(p => p.Points is { Count: > 0 }))
        {
            Chart.WriteChannelSizes(parts, Path.Combine(resultsDir, "channel-size-sweep.png"));
            charts += " and channel-size-sweep.png";
        }

        ReportTable.Print(scenarios);
        Console.WriteLine($"wrote {Path.Combine(resultsDir, "latest.json")}, {charts}");
        return 0;
    }
}
