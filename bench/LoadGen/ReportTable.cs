using System.Globalization;

namespace CommunityScale.Bench;

/// <summary>The tables printed at the end of ./scripts/bench: the headline per scenario, then the issue's per-message figures.</summary>
internal static class ReportTable
{
    public static void Print(IReadOnlyList<Dictionary<string, object?>> scenarios)
    {
        Headline(scenarios);
        CpuAndStorage(scenarios);
        EqualRates(scenarios);
        ChannelSizes(scenarios);
    }

    private static string Line(FormattableString line) => line.ToString(CultureInfo.InvariantCulture);

    private static object? Get(Dictionary<string, object?> s, string key) => s.GetValueOrDefault(key);

    private static void Headline(IReadOnlyList<Dictionary<string, object?>> scenarios)
    {
        Console.WriteLine();
        Console.WriteLine($"{"scenario",-22} {"metric",-32} {"ours",10} {"baseline",-17} {"value",10} {"ratio",7} {"p50 ms",8} {"p99 ms",8} {"base p99",9} {"ref p99",8} {"base ref",9} {"cpu µs/d",9} {"base cpu",9} {"B/conn",8} {"base B/c",9}");
        foreach (var s in scenarios.Where(s => Get(s, "points") is null))
        {
            Console.WriteLine(Line($"{s["name"],-22} {s["metric"],-32} {s["ours"],10} {s["baseline_name"],-17} {s["baseline"],10} {Ratio(s),7} {s["p50_ms"],8} {s["p99_ms"],8} {s["baseline_p99_ms"],9} {Get(s, "reference_p99_ms"),8} {Get(s, "baseline_reference_p99_ms"),9} {Get(s, "reference_cpu_us_per_delivery"),9} {Get(s, "baseline_reference_cpu_us_per_delivery"),9} {Get(s, "memory_bytes_per_connection"),8} {Get(s, "baseline_memory_bytes_per_connection"),9}"));
        }

        if (scenarios.Any(s => Get(s, "method") is not null))
        {
            Console.WriteLine("  saturated_deliveries_per_second: deliveries/s where they stop growing as the rate rises, whatever the latency; ratio on it; p50/p99 at the reference rate.");
        }

        if (scenarios.Any(s => Get(s, "ratio_bound") is "upper" or "lower" or "unknown"))
        {
            Console.WriteLine("  <= / >= / ?: a side's rates ran out before it peaked (its value is a lower bound): the true ratio is at most / at least the one given / unknown.");
        }
    }

    private static string Ratio(Dictionary<string, object?> s) => Get(s, "ratio") is not { } ratio ? "" : Line($"{Get(s, "ratio_bound") switch
    {
        "upper" => "<=",
        "lower" => ">=",
        "unknown" => "?",
        _ => "",
    }}{ratio}");

    /// <summary>Server CPU per accepted message at one offered rate (equal on both targets) and bytes sent to storage per stored message.</summary>
    private static void CpuAndStorage(IReadOnlyList<Dictionary<string, object?>> scenarios)
    {
        Console.WriteLine();
        Console.WriteLine("server CPU per accepted message (µs) at a fixed offered rate, equal on both targets; net = ours - bare (the fan-out's share taken out); bytes to storage per stored message");
        Console.WriteLine($"{"scenario",-22} {"msg/s",6} {"ours raw",9} {"base raw",9} {"net",8} {"goal",6} {"gateway",8} {"silo",8} {"storage",8} {"idle ms/s",10} {"B/msg",7} {"msg B",6} {"ratio",6} {"wire B/msg",11}");
        foreach (var s in scenarios.Where(s => Get(s, "server_cpu_us_per_accepted_message_raw") is not null || Get(s, "storage_bytes_per_message") is not null))
        {
            Console.WriteLine(Line($"{s["name"],-22} {Get(s, "cpu_rate_msgs_per_second"),6} {Get(s, "server_cpu_us_per_accepted_message_raw"),9} {Get(s, "baseline_server_cpu_us_per_accepted_message_raw"),9} {Get(s, "server_cpu_us_per_accepted_message"),8} {Get(s, "server_cpu_us_per_accepted_message_goal"),6} {Get(s, "server_cpu_us_per_accepted_message_gateway"),8} {Get(s, "server_cpu_us_per_accepted_message_silo"),8} {Get(s, "server_cpu_us_per_accepted_message_storage"),8} {Get(s, "server_idle_cpu_ms_per_second"),10} {Get(s, "storage_bytes_per_message"),7} {Get(s, "message_bytes"),6} {Get(s, "storage_bytes_ratio"),6} {Get(s, "storage_wire_bytes_per_message"),11}"));
        }

        Console.WriteLine("  B/msg = (journal + grain state bytes) / messages stored; msg B = journal bytes / messages stored; ratio = B/msg / msg B (goal <= 3); wire = Azurite's rchar (HTTP, base64) / messages stored");
    }

    private static void EqualRates(IReadOnlyList<Dictionary<string, object?>> scenarios)
    {
        var saturation = scenarios.Where(s => Get(s, "latency_at_equal_rates") is not null).ToList();
        if (saturation.Count == 0)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("latency at equal offered rates (saturation scenarios)");
        Console.WriteLine($"{"scenario",-22} {"msg/s",6} {"offered d/s",12} {"ours d/s",9} {"ours p50",9} {"ours p99",9} {"base d/s",9} {"base p50",9} {"base p99",9}");
        foreach (var s in saturation)
        {
            foreach (var r in (IEnumerable<Dictionary<string, object?>>)s["latency_at_equal_rates"]!)
            {
                Console.WriteLine(Line($"{s["name"],-22} {r["rate_msgs_per_second"],6} {r["offered_deliveries_per_second"],12} {r["ours_deliveries_per_second"],9} {r["ours_p50_ms"],9} {r["ours_p99_ms"],9} {r["baseline_deliveries_per_second"],9} {r["baseline_p50_ms"],9} {r["baseline_p99_ms"],9}"));
            }
        }
    }

    private static void ChannelSizes(IReadOnlyList<Dictionary<string, object?>> scenarios)
    {
        foreach (var s in scenarios.Where(s => Get(s, "points") is not null))
        {
            Console.WriteLine();
            Console.WriteLine($"{s["name"]}: CPU of the process behind the gateway per accepted message against channel size, same offered rate on both sides");
            Console.WriteLine($"{"side",-18} {"members",8} {"msg/s",6} {"silo µs/msg",12} {"above idle",11} {"idle ms/s",10} {"gateway µs",11} {"p99 ms",8} {"delivered",10}");
            foreach (var p in (IEnumerable<SizePoint>)s["points"]!)
            {
                Console.WriteLine(Line($"{p.Side,-18} {p.Members,8} {p.Rate,6} {p.SiloCpuUsPerMessage,12} {p.SiloCpuUsPerMessageAboveIdle,11} {p.SiloIdleMsPerSecond,10} {p.GatewayCpuUsPerMessage,11} {p.P99,8} {p.DeliveredShare,10}"));
            }
        }
    }
}
