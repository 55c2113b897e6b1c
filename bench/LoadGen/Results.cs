using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CommunityScale.Bench;

/// <summary>One rate step of a sweep (or the run at half the peak rate).</summary>
public sealed record StepResult(string Label, double Rate, double DeliveriesPerSecond, double P50, double P99, double P999, long Delivered, long Expected, long Refused)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"  {Rate,7:0.#} msg/s -> {DeliveriesPerSecond,9:0} deliveries/s ({Delivered}/{Expected}, {Refused} refused)  p50 {P50,7:0.0} ms  p99 {P99,7:0.0} ms  p99.9 {P999,7:0.0} ms");
}

/// <summary>One target's result for one scenario; the report pairs "ours" with its baseline.</summary>
public sealed record Part(
    string Scenario, string Role, string BaselineName, string Metric, double Value, double P50, double P99, double P999, string Notes,
    Dictionary<string, double> Extra, IReadOnlyList<StepResult> Steps, string? MeasuredIn = null);

/// <summary>Parts on disk (one file per scenario and role), and the report that joins them into latest.json and a chart.</summary>
public static class Results
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static async Task WritePart(string resultsDir, Part part)
    {
        var dir = Path.Combine(resultsDir, "parts");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, $"{part.Scenario}.{part.Role}.json"), JsonSerializer.Serialize(part, Options));
    }

    public static async Task<int> Pair(string resultsDir, string from, string scenario, string baselineName)
    {
        var source = Path.Combine(resultsDir, "parts", $"{from}.ours.json");
        if (!File.Exists(source))
        {
            Console.Error.WriteLine($"no result of ours for {from} in {source}");
            return 1;
        }

        var ours = JsonSerializer.Deserialize<Part>(await File.ReadAllTextAsync(source), Options)!;
        await WritePart(resultsDir, ours with { Scenario = scenario, BaselineName = baselineName, Notes = $"{ours.Notes} (ours measured once, in {from})", MeasuredIn = from });
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

        var scenarios = parts.GroupBy(p => p.Scenario).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var ours = g.FirstOrDefault(p => p.Role == "ours");
            var baseline = g.FirstOrDefault(p => p.Role == "baseline");
            var main = ours ?? baseline!;
            var entry = new Dictionary<string, object?>
            {
                ["name"] = g.Key,
                ["metric"] = main.Metric,
                ["ours"] = ours?.Value,
                ["baseline_name"] = baseline?.BaselineName ?? main.BaselineName,
                ["baseline"] = baseline?.Value,
                ["ratio"] = ours is not null && baseline is { Value: > 0 } ? Math.Round(ours.Value / baseline.Value, 3) : null,
                ["p50_ms"] = ours?.P50,
                ["p99_ms"] = ours?.P99,
                ["p999_ms"] = ours?.P999,
                ["baseline_p50_ms"] = baseline?.P50,
                ["baseline_p99_ms"] = baseline?.P99,
                ["baseline_p999_ms"] = baseline?.P999,
                ["notes"] = ours is not null && baseline is not null && ours.Notes != baseline.Notes ? $"{baseline.Notes}; ours: {ours.Notes}" : main.Notes,
            };
            if (ours?.Extra.GetValueOrDefault("reference_p99_ms") is > 0 and var oursP99 && baseline?.Extra.GetValueOrDefault("reference_p99_ms") is > 0 and var baseP99)
            {
                // Latency is compared at the same offered load: ours ÷ baseline, lower is better (the goal is ≤ 1.2).
                entry["reference_p99_ratio"] = Math.Round(oursP99 / baseP99, 3);
            }

            foreach (var (key, value) in ours?.Extra ?? [])
            {
                entry[key] = value;
            }

            foreach (var (key, value) in baseline?.Extra ?? [])
            {
                entry[$"baseline_{key}"] = value;
            }

            return entry;
        }).ToList();

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

        Console.WriteLine();
        Console.WriteLine($"{"scenario",-22} {"metric",-24} {"ours",10} {"baseline",-14} {"value",10} {"ratio",7} {"p50 ms",8} {"p99 ms",8} {"base p99",9} {"ref p99",8} {"base ref",9} {"cpu µs/d",9} {"base cpu",9} {"B/conn",8} {"base B/c",9}");
        foreach (var s in scenarios)
        {
            object? Get(string key) => s.GetValueOrDefault(key);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s["name"],-22} {s["metric"],-24} {s["ours"],10} {s["baseline_name"],-14} {s["baseline"],10} {s["ratio"],7} {s["p50_ms"],8} {s["p99_ms"],8} {s["baseline_p99_ms"],9} {Get("reference_p99_ms"),8} {Get("baseline_reference_p99_ms"),9} {Get("reference_cpu_us_per_delivery"),9} {Get("baseline_reference_cpu_us_per_delivery"),9} {Get("memory_bytes_per_connection"),8} {Get("baseline_memory_bytes_per_connection"),9}"));
        }

        Console.WriteLine($"wrote {Path.Combine(resultsDir, "latest.json")} and latest.png");
        return 0;
    }
}
