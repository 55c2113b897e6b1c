using System.Text.Json;

namespace CommunityScale.Tools.Capacity;

/// <summary>
/// One run of the hot channel on a number of gateways (bench/results/cluster/latest.json). The gateways' CPU per delivery
/// is net of their idle floor (what they spent holding the connections with nothing sent, measured before the steps).
/// </summary>
public sealed record GatewayRun(
    string Scenario, int Gateways, double Clients, double SaturatedDeliveriesPerSecond, double GatewayUsPerDelivery, double LoadGeneratorUsPerDelivery,
    double BehindUsPerMessage, double IdleServerMsPerSecond, double GatewayIdleUsPerConnectionPerSecond);

/// <summary>
/// The many-channels run on the 4-gateway cluster (bench/results/cluster/latest.json, cluster-many-channels): quiet
/// channels, each message reaching its channel's few fans. The model's costs for such a message are many-channels' on
/// one machine with the cluster's storage (Redis, many-channels-redis): <paramref name="GatewayUsPerMessage"/> (its deliveries
/// included) and <paramref name="BehindUsPerMessage"/> (silo + storage); the load generator's per delivery is the
/// hot-channel runs' mean.
/// </summary>
public sealed record ManyChannelsRun(
    int Gateways, double Clients, double FansPerChannel, double SaturatedDeliveriesPerSecond, double GatewayUsPerMessage, double LoadGeneratorUsPerDelivery,
    double BehindUsPerMessage, double IdleServerMsPerSecond);

/// <summary>
/// What the model reads from the benchmarks' committed results: bench/results/cluster/latest.json (./scripts/bench
/// --cluster) and bench/results/latest.json (./scripts/bench).
/// </summary>
public sealed record MeasuredResults(MeasuredCosts Costs, IReadOnlyList<GatewayRun> ByGateways, ManyChannelsRun? ManyChannels = null)
{
    public static MeasuredResults Load(string repoRoot)
    {
        var cluster = Scenarios(Path.Combine(repoRoot, "bench", "results", "cluster", "latest.json"));
        var single = Scenarios(Path.Combine(repoRoot, "bench", "results", "latest.json"));
        var runs = new[] { ("cluster-hot-channel-1-gateway", 1), ("cluster-hot-channel-2-gateways", 2), ("cluster-hot-channel", 4) }
            .Select(s =>
            {
                var e = cluster[s.Item1];
                var idleGateways = Get(e, "idle_cpu_ms_per_second_gateways");
                var netPerDelivery = Math.Max(0, Get(e, "cpu_us_per_delivery_gateways") - idleGateways * 1e3 / Get(e, "ours"));
                return new GatewayRun(s.Item1, s.Item2, Get(e, "clients"), Get(e, "ours"), netPerDelivery,
                    Get(e, "cpu_us_per_delivery_load_generator"), Get(e, "cpu_us_per_message_behind_gateways"),
                    idleGateways + Get(e, "idle_cpu_ms_per_second_behind_gateways"), idleGateways * 1e3 / Get(e, "clients"));
            }).ToList();

        // Behind the gateways, a message costs what a quiet one measured (silo and storage at 200 msg/s, its follow-ups
        // and its share of the idle floor included: an upper bound for a hot channel, whose follow-ups go in rounds), plus
        // one stream event per gateway it reaches, priced as the naive design's measured grain-to-gateway call. The hot
        // channel runs cannot resolve either: one sender at ≤ 8 msg/s beside a floor of 200-800 ms/s, on a box whose
        // gateways saturate its 2 cores, so their 12-110 ms "per message" is the box's,
        // not the message's; on the same box one channel acks 2,000 msg/s (durable-sends), under 1 ms a message.
        var hot = cluster["cluster-hot-channel"];
        // Per delivery and per idle connection: the mean of the three runs (each is a different mix on the same 2 cores).
        var quiet = single["many-channels-redis"];
        var quietBehind = Get(quiet, "server_cpu_us_per_accepted_message_silo") + Get(quiet, "server_cpu_us_per_accepted_message_storage");
        var costs = new MeasuredCosts(
            runs.Average(r => r.GatewayUsPerDelivery),
            quietBehind,
            Get(single["fanout-naive"], "baseline_reference_cpu_us_per_delivery_silo"),
            Get(hot, "memory_bytes_per_connection"),
            Get(quiet, "server_cpu_us_per_accepted_message_gateway"),
            quietBehind,
            Get(quiet, "clients") / Get(quiet, "channels"),
            Get(single["many-channels"], "storage_operations_per_message"),
            Get(single["durable-sends"], "ours"),
            runs.Average(r => r.GatewayIdleUsPerConnectionPerSecond));
        return new MeasuredResults(costs, runs, ReadManyChannels(cluster, costs, runs.Average(r => r.LoadGeneratorUsPerDelivery)));
    }

    // The cluster stores in Redis, so its quiet message costs what many-channels-redis measured: the costs' own figures.
    private static ManyChannelsRun? ReadManyChannels(Dictionary<string, Dictionary<string, JsonElement>> cluster, MeasuredCosts costs, double loadUsPerDelivery)
    {
        if (!cluster.TryGetValue("cluster-many-channels", out var e))
        {
            return null;
        }

        return new ManyChannelsRun((int)Get(e, "gateways"), Get(e, "clients"), Get(e, "clients") / Get(e, "channels"), Get(e, "ours"),
            costs.QuietGatewayUsPerMessage, loadUsPerDelivery, costs.QuietBehindUsPerMessage,
            Get(e, "idle_cpu_ms_per_second_gateways") + Get(e, "idle_cpu_ms_per_second_behind_gateways"));
    }

    private static double Get(Dictionary<string, JsonElement> entry, string key) =>
        entry.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new InvalidDataException($"'{key}' is missing from the bench result of scenario '{entry["name"]}'; run ./scripts/bench and ./scripts/bench --cluster first.");

    private static Dictionary<string, Dictionary<string, JsonElement>> Scenarios(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: run ./scripts/bench{(path.Contains("cluster", StringComparison.Ordinal) ? " --cluster" : "")} first.");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("scenarios").EnumerateArray()
            .Select(s => s.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal))
            .ToDictionary(s => s["name"].GetString()!, StringComparer.Ordinal);
    }
}
