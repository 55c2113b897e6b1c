using System.Globalization;
using CommunityScale.Tools.Capacity;

// The capacity model (issue 25, docs/capacity.md): reads the measured costs from bench/results/cluster/latest.json
// (./scripts/bench --cluster) and bench/results/latest.json (./scripts/bench), and prints, in Markdown, what serves
// (a) a million fans over 10,000 channels and (b) one 100,000-fan channel at 50 messages a second, how far the model is
// from the 1-, 2- and 4-gateway measurements, and the autoscaler limits that follow (deploy/k8s/hpa.yaml; a test holds
// them to this).
//   dotnet run --project tools/CapacityModel [-- REPO_ROOT]
var root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
var measured = MeasuredResults.Load(root);
var costs = measured.Costs;
var pods = new PodSizes();

Console.WriteLine("## Measured costs (inputs)");
Console.WriteLine("| cost | value | from |");
Console.WriteLine("|---|---|---|");
Row("gateway CPU per delivery", $"{costs.GatewayUsPerDelivery:0.0} µs",
    "hot channel at its saturated step, net of the idle floor, mean of (" + string.Join(", ", measured.ByGateways.Select(r => $"{r.Gateways}: {r.GatewayUsPerDelivery:0.0}")) + ")");
Row("gateway CPU per idle connection", $"{costs.GatewayIdleUsPerConnectionPerSecond:0.0} µs/s",
    "the gateways' floor before the steps ÷ connections, mean of (" + string.Join(", ", measured.ByGateways.Select(r => $"{r.Gateways}: {r.GatewayIdleUsPerConnectionPerSecond:0.0}")) + ")");
Row("behind the gateways per message", $"{costs.BehindUsPerMessageFixed:0} µs + {costs.BehindUsPerMessagePerGateway:0} µs × gateways reached",
    "many-channels-redis (silo + storage), plus fanout-naive's silo CPU per grain-to-gateway call; not the hot-channel runs ("
    + string.Join(", ", measured.ByGateways.Select(r => $"{r.Gateways}: {r.BehindUsPerMessage:0} µs")) + " net of the floor: see docs/capacity.md)");
Row("gateway memory per connection", $"{costs.BytesPerConnection / 1024:0.0} KiB", "cluster-hot-channel, RSS growth ÷ connections");
Row("quiet message: gateway / silo + storage", $"{costs.QuietGatewayUsPerMessage:0} / {costs.QuietBehindUsPerMessage:0} µs",
    $"many-channels-redis at 200 msg/s ({costs.QuietDeliveriesPerMessage:0} fans a channel; idle floors included)");
Row("storage operations per quiet message", costs.StorageOperationsPerMessage.ToString("0.00", CultureInfo.InvariantCulture), "many-channels (Azurite, counted by grain type)");
Row("one channel's ceiling", $"{costs.OneChannelMessagesPerSecond:0} msg/s", "durable-sends (acked sends into one channel)");

Console.WriteLine();
Console.WriteLine("## The model against the measurements on this machine (2 cores shared by every process)");
Console.WriteLine("| gateways | clients | idle floor of the servers | measured saturated deliveries/s | model | model ÷ measured |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (var run in measured.ByGateways)
{
    var model = Capacity.SaturatedDeliveriesOnOneMachine(Environment.ProcessorCount, run.Gateways, (int)run.Clients, run.LoadGeneratorUsPerDelivery,
        costs with { GatewayUsPerDelivery = run.GatewayUsPerDelivery }, run.IdleServerMsPerSecond);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {run.Gateways} | {run.Clients:N0} | {run.IdleServerMsPerSecond:N0} ms/s | {run.SaturatedDeliveriesPerSecond:N0} | {model:N0} | {model / run.SaturatedDeliveriesPerSecond:0.00} |"));
}

if (measured.ManyChannels is { } many)
{
    var model = Capacity.SaturatedQuietDeliveriesOnOneMachine(Environment.ProcessorCount, many.Gateways, many.FansPerChannel, many.GatewayUsPerMessage,
        many.LoadGeneratorUsPerDelivery, many.BehindUsPerMessage, costs, many.IdleServerMsPerSecond);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {many.Gateways}, channels of {many.FansPerChannel:0} (cluster-many-channels; a message {many.GatewayUsPerMessage:N0} µs in the gateways and {many.BehindUsPerMessage:N0} µs behind them, as many-channels-redis measured on one machine: the cluster stores in Redis too) | {many.Clients:N0} | {many.IdleServerMsPerSecond:N0} ms/s | {many.SaturatedDeliveriesPerSecond:N0} | {model:N0} | {model / many.SaturatedDeliveriesPerSecond:0.00} |"));
}

Console.WriteLine();
Console.WriteLine($"## Plans (pods: gateways {pods.GatewayCores} cores and {pods.GatewayMemoryBytes / (1L << 30):0} GiB at {pods.GatewayTargetUtilization:P0} CPU, at most {pods.GatewayMaxConnections:N0} connections; silos {pods.SiloCores} cores at {pods.SiloTargetUtilization:P0}; Redis {pods.RedisOperationsPerSecond:N0} ops/s at {pods.RedisTargetUtilization:P0})");
Console.WriteLine("| load | messages/s | deliveries/s | gateways (limit) | gateway cores busy | silos | silo cores busy | storage ops/s | Redis | one channel's headroom |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
var plans = Capacity.Targets.Select(l => Capacity.Serve(l, costs, pods)).ToList();
foreach (var p in plans)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {p.Load.Name} | {p.Load.MessagesPerSecond:N0} | {p.Load.DeliveriesPerSecond:N0} | {p.Gateways} ({p.GatewayLimit}) | {p.GatewayCoresBusy:0.0} | {p.Silos} | {p.SiloCoresBusy:0.0} | {p.StorageOperationsPerSecond:N0} | {p.RedisInstances} | {p.OneChannelHeadroom:0.0}× |"));
}

var (gatewayMax, siloMax) = Capacity.MaxReplicas(plans);
Console.WriteLine();
Console.WriteLine("## Autoscaler limits that follow (deploy/k8s/hpa.yaml)");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"- gateways: target {pods.GatewayTargetUtilization:P0} CPU, maxReplicas {gatewayMax} (the larger plan plus a quarter for a surge)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"- silos: target {pods.SiloTargetUtilization:P0} CPU, maxReplicas {siloMax}"));
return 0;

static void Row(string what, string value, string from) => Console.WriteLine($"| {what} | {value} | {from} |");
