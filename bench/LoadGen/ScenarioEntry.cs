namespace CommunityScale.Bench;

/// <summary>One scenario of latest.json: ours beside its baseline, their extras (the baseline's prefixed), and what is derived from both.</summary>
internal static class ScenarioEntry
{
    /// <summary>Issue goal: bytes sent to storage per message at most 3 × the message's own serialized size.</summary>
    private const double StorageRatioGoal = 3;

    private const string BareBaseline = "bare-signalr";

    public static Dictionary<string, object?> Build(string name, Part? ours, Part? baseline)
    {
        var main = ours ?? baseline!;
        var entry = new Dictionary<string, object?>
        {
            ["name"] = name,
            ["metric"] = main.Metric,
            ["method"] = main.Method,
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

        AddRatioBound(entry, ours, baseline);
        AddNetCpu(entry, ours, baseline);
        AddStorageGoal(entry, ours);
        AddEqualRates(entry, ours, baseline);
        foreach (var (key, value) in ours?.Extra ?? [])
        {
            entry[key] = value;
        }

        foreach (var (key, value) in baseline?.Extra ?? [])
        {
            entry[$"baseline_{key}"] = value;
        }

        if (ours?.Points is not null || baseline?.Points is not null)
        {
            entry["points"] = (ours?.Points ?? []).Concat(baseline?.Points ?? []).ToList();
        }

        return entry;
    }

    /// <summary>
    /// Whether the ratio is exact: a sweep whose rates ran out before its target stopped (p99 past the limit, or
    /// deliveries no longer growing) measured a lower bound of that target's peak. "upper": only the baseline's is a
    /// lower bound, so the true ratio is at most the one given; "lower": only ours' is; "unknown": both are.
    /// </summary>
    private static void AddRatioBound(Dictionary<string, object?> entry, Part? ours, Part? baseline)
    {
        static bool? Reached(Part? part) =>
            part is null ? null
            : part.Extra.TryGetValue("peak_reached", out var peak) ? peak > 0
            : part.Extra.TryGetValue("saturation_reached", out var saturation) ? saturation > 0
            : null;
        if (Reached(ours) is { } oursReached && Reached(baseline) is { } baselineReached)
        {
            entry["ratio_bound"] = (oursReached, baselineReached) switch
            {
                (true, true) => "exact",
                (true, false) => "upper",
                (false, true) => "lower",
                _ => "unknown",
            };
        }
    }

    /// <summary>
    /// Server CPU per accepted message excluding the fan-out's share: ours minus the bare hub's at the same offered rate
    /// (the bare hub's work is only the hub and the fan-out). Only against the bare hub, and only at equal rates.
    /// </summary>
    private static void AddNetCpu(Dictionary<string, object?> entry, Part? ours, Part? baseline)
    {
        const string raw = "server_cpu_us_per_accepted_message_raw";
        if (ours is null || baseline is not { BaselineName: BareBaseline } || ours.MeasuredIn is not null
            || !ours.Extra.TryGetValue(raw, out var oursRaw) || !baseline.Extra.TryGetValue(raw, out var bareRaw)
            || ours.Extra.GetValueOrDefault("cpu_rate_msgs_per_second") != baseline.Extra.GetValueOrDefault("cpu_rate_msgs_per_second"))
        {
            return;
        }

        var net = oursRaw - bareRaw;
        entry["server_cpu_us_per_accepted_message"] = net;
        if (ours.Extra.TryGetValue("server_cpu_us_per_accepted_message_goal", out var goal))
        {
            entry["server_cpu_us_per_accepted_message_within_goal"] = net <= goal;
        }
    }

    private static void AddStorageGoal(Dictionary<string, object?> entry, Part? ours)
    {
        if (ours?.Extra.TryGetValue("storage_bytes_ratio", out var ratio) == true)
        {
            entry["storage_bytes_ratio_goal"] = StorageRatioGoal;
            entry["storage_bytes_ratio_within_goal"] = ratio <= StorageRatioGoal;
        }
    }

    /// <summary>Latency of both targets at the same offered rates (a saturation run's compare rates).</summary>
    private static void AddEqualRates(Dictionary<string, object?> entry, Part? ours, Part? baseline)
    {
        var rates = ours?.CompareRates ?? baseline?.CompareRates;
        if (rates is null)
        {
            return;
        }

        StepResult? At(Part? part, double rate) => part?.Steps.FirstOrDefault(s => s.Label == "step" && s.Rate == rate);
        var members = (ours ?? baseline)!.Extra.GetValueOrDefault("clients") / Math.Max(1, (ours ?? baseline)!.Extra.GetValueOrDefault("channels"));
        entry["latency_at_equal_rates"] = rates.Select(rate => new Dictionary<string, object?>
        {
            ["rate_msgs_per_second"] = rate,
            ["offered_deliveries_per_second"] = rate * members,
            ["ours_deliveries_per_second"] = At(ours, rate)?.DeliveriesPerSecond,
            ["ours_p50_ms"] = At(ours, rate)?.P50,
            ["ours_p99_ms"] = At(ours, rate)?.P99,
            ["baseline_deliveries_per_second"] = At(baseline, rate)?.DeliveriesPerSecond,
            ["baseline_p50_ms"] = At(baseline, rate)?.P50,
            ["baseline_p99_ms"] = At(baseline, rate)?.P99,
        }).ToList();
    }
}
