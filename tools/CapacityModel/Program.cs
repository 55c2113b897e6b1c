using System.Globalization;
using System.Text.Json;
using CommunityScale.Tools.Capacity;

// The capacity model (issue 25): reads the measured costs from bench/results/cluster/latest.json
// (./scripts/bench --cluster) and bench/results/latest.json (./scripts/bench), and prints, in Markdown, what serves
// (a) a million fans over 10,000 channels and (b) one 100,000-fan channel at 50 messages a second, how far the model is
// from the 1-, 2- and 4-gateway measurements, and the autoscaler limits that follow.
//   dotnet run --project tools/CapacityModel [-- REPO_ROOT]
var root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
var cluster = Scenarios(Path.Combine(root, "bench", "results", "cluster", "latest.json"));
var single = Scenarios(Path.Combine(root, "bench", "results", "latest.json"));

var hot = cluster["cluster-hot-channel"];
var byGateways = new[] { ("cluster-hot-channel-1-gateway", 1), ("cluster-hot-channel-2-gateways", 2), ("cluster-hot-channel", 4) }
    .Select(s => (Name: s.Item1, Gateways: s.Item2, Entry: cluster[s.Item1])).ToList();
var (behindFixed, behindPerGateway) = Capacity.FitLine([.. byGateways.Select(s => ((double)s.Gateways, Get(s.Entry, "cpu_us_per_message_behind_gateways")))]);
var quiet = single["many-channels-redis"];
var costs = new MeasuredCosts(
    Get(hot, "cpu_us_per_delivery_gateways"),
    Math.Max(0, behindFixed),
    Math.Max(0, behindPerGateway),
    Get(hot, "memory_bytes_per_connection"),
    Get(quiet, "server_cpu_us_per_accepted_message_gateway"),
    Get(quiet, "server_cpu_us_per_accepted_message_silo") + Get(quiet, "server_cpu_us_per_accepted_message_storage"),
    Get(quiet, "clients") / Get(quiet, "channels"),
    Get(single["many-channels"], "storage_operations_per_message"),
    Get(single["durable-sends"], "ours"));
var pods = new PodSizes();

Console.WriteLine("## Measured costs (inputs)");
Console.WriteLine("| cost | value | from |");
Console.WriteLine("|---|---|---|");
Row("gateway CPU per delivery", $"{costs.GatewayUsPerDelivery:0.0} µs", "cluster-hot-channel (4 gateways, saturated step)");
Row("behind the gateways per hot message", $"{costs.BehindUsPerMessageFixed:0} µs + {costs.BehindUsPerMessagePerGateway:0} µs × gateways",
    "least squares over the 1-, 2- and 4-gateway runs (" + string.Join(", ", byGateways.Select(s => $"{s.Gateways}: {Get(s.Entry, "cpu_us_per_message_behind_gateways"):0} µs")) + ")");
Row("gateway memory per connection", $"{costs.BytesPerConnection / 1024:0.0} KiB", "cluster-hot-channel, RSS growth ÷ connections");
Row("quiet message: gateway / silo + storage", $"{costs.QuietGatewayUsPerMessage:0} / {costs.QuietBehindUsPerMessage:0} µs",
    $"many-channels-redis at 200 msg/s ({costs.QuietDeliveriesPerMessage:0} fans a channel; idle floors included)");
Row("storage operations per quiet message", costs.StorageOperationsPerMessage.ToString("0.00", CultureInfo.InvariantCulture), "many-channels (Azurite, counted by grain type)");
Row("one channel's ceiling", $"{costs.OneChannelMessagesPerSecond:0} msg/s", "durable-sends (acked sends into one channel)");

Console.WriteLine();
Console.WriteLine("## The model against the measurements on this machine (2 cores shared by every process)");
Console.WriteLine("| gateways | clients | measured saturated deliveries/s | model | model ÷ measured |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var (name, gateways, entry) in byGateways)
{
    var measured = Get(entry, "ours");
    var model = Capacity.SaturatedDeliveriesOnOneMachine(Environment.ProcessorCount, gateways, (int)Get(entry, "clients"),
        Get(entry, "cpu_us_per_delivery_load_generator"), costs with { GatewayUsPerDelivery = Get(entry, "cpu_us_per_delivery_gateways") });
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {gateways} | {Get(entry, "clients"):N0} | {measured:N0} | {model:N0} | {model / measured:0.00} |"));
}

Console.WriteLine();
Console.WriteLine($"## Plans (pods: gateways {pods.GatewayCores} cores and {pods.GatewayMemoryBytes / (1L << 30):0} GiB at {pods.GatewayTargetUtilization:P0} CPU, at most {pods.GatewayMaxConnections:N0} connections; silos {pods.SiloCores} cores at {pods.SiloTargetUtilization:P0}; Redis {pods.RedisOperationsPerSecond:N0} ops/s at {pods.RedisTargetUtilization:P0})");
Console.WriteLine("| load | messages/s | deliveries/s | gateways (limit) | gateway cores busy | silos | silo cores busy | storage ops/s | Redis | one channel's headroom |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
Load[] loads =
[
    new("(a) 1,000,000 fans, 10,000 channels of 100, 1 msg/s each", 1_000_000, 10_000, 1),
    new("(b) one channel of 100,000 fans at 50 msg/s", 100_000, 1, 50),
];
var plans = loads.Select(l => Capacity.Serve(l, costs, pods)).ToList();
foreach (var p in plans)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {p.Load.Name} | {p.Load.MessagesPerSecond:N0} | {p.Load.DeliveriesPerSecond:N0} | {p.Gateways} ({p.GatewayLimit}) | {p.GatewayCoresBusy:0.0} | {p.Silos} | {p.SiloCoresBusy:0.0} | {p.StorageOperationsPerSecond:N0} | {p.RedisInstances} | {p.OneChannelHeadroom:0.0}× |"));
}

Console.WriteLine();
Console.WriteLine("## Autoscaler limits that follow (deploy/k8s/hpa.yaml)");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"- gateways: target {pods.GatewayTargetUtilization:P0} CPU, maxReplicas {plans.Max(p => p.Gateways) * 5 / 4} (the larger plan plus a quarter for a surge)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"- silos: target {pods.SiloTargetUtilization:P0} CPU, maxReplicas {Math.Max(4, plans.Max(p => p.Silos) * 5 / 4)}"));
return 0;

static void Row(string what, string value, string from) => Console.WriteLine($"| {what} | {value} | {from} |");

static double Get(Dictionary<string, JsonElement> entry, string key) =>
    entry.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.Number
        ? value.GetDouble()
        : throw new InvalidDataException($"'{key}' is missing from the bench result of scenario '{entry["name"]}'; run ./scripts/bench and ./scripts/bench --cluster first.");

static Dictionary<string, Dictionary<string, JsonElement>> Scenarios(string path)
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
