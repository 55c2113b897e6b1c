using System.Globalization;
using CommunityScale.TestSupport;
using CommunityScale.Tools.Capacity;
using YamlDotNet.RepresentationModel;

namespace CommunityScale.Deploy.Tests;

/// <summary>The arithmetic of docs/capacity.md (tools/CapacityModel), on costs chosen so the answers can be worked by hand.</summary>
[Trait("Area", "ScaleOut")]
public sealed class CapacityModelTests
{
    private static readonly MeasuredCosts Costs = new(
        GatewayUsPerDelivery: 10,
        BehindUsPerMessageFixed: 500,
        BehindUsPerMessagePerGateway: 100,
        BytesPerConnection: 40_000,
        QuietGatewayUsPerMessage: 1_100,
        QuietBehindUsPerMessage: 2_000,
        QuietDeliveriesPerMessage: 10,
        StorageOperationsPerMessage: 1.5,
        OneChannelMessagesPerSecond: 1_500);

    [Fact]
    public void A_stadium_channel_needs_gateways_for_its_deliveries_and_little_behind_them()
    {
        // 100,000 fans × 50 msg/s = 5,000,000 deliveries/s × 10 µs = 50 cores; at 2 cores × 60 %: 42 gateways.
        var plan = Capacity.Serve(new Load("stadium", 100_000, 1, 50), Costs, new PodSizes());
        Assert.Equal(5_000_000, plan.Load.DeliveriesPerSecond);
        Assert.Equal(42, plan.Gateways);
        Assert.Equal("CPU", plan.GatewayLimit);

        // Behind the gateways: 50 × (500 + 100 × 42) µs = 0.235 cores: the two silos a cluster starts with.
        Assert.Equal(0.235, plan.SiloCoresBusy, 3);
        Assert.Equal(2, plan.Silos);
        Assert.Equal(30, plan.OneChannelHeadroom, 3);
    }

    [Fact]
    public void Many_quiet_channels_pay_their_follow_ups_per_message_and_their_fans_in_connections()
    {
        // Gateways: 1,000,000 fans ÷ 50,000 a pod = 20; by CPU 1,000,000 deliveries × 10 µs + 10,000 msg × (1,100 − 10 × 10) µs
        // = 20 cores ÷ 1.2 = 17; by memory 1,000,000 × 40 KB ÷ (80 % of 4 GiB) = 12.
        var plan = Capacity.Serve(new Load("evening", 1_000_000, 10_000, 1), Costs, new PodSizes());
        Assert.Equal(20, plan.GatewayCoresBusy, 3);
        Assert.Equal(20, plan.Gateways);
        Assert.Equal("connections", plan.GatewayLimit);

        // Silos: 10,000 msg/s × (2,000 + 100 × 20 gateways) µs = 40 cores ÷ 1.4 = 29. Storage: 15,000 ops/s, one Redis.
        Assert.Equal(40, plan.SiloCoresBusy, 3);
        Assert.Equal(29, plan.Silos);
        Assert.Equal(15_000, plan.StorageOperationsPerSecond);
        Assert.Equal(1, plan.RedisInstances);
    }

    [Fact]
    public void Idle_connections_cost_the_gateways_a_floor_of_their_own()
    {
        // The evening's 20 cores of deliveries plus 1,000,000 connections × 10 µs a second = 30 cores ÷ 1.2 = 25 gateways.
        var plan = Capacity.Serve(new Load("evening", 1_000_000, 10_000, 1), Costs with { GatewayIdleUsPerConnectionPerSecond = 10 }, new PodSizes());
        Assert.Equal(30, plan.GatewayCoresBusy, 3);
        Assert.Equal(25, plan.Gateways);
        Assert.Equal("CPU", plan.GatewayLimit);
    }

    [Fact]
    public void One_machine_saturates_where_its_cores_are_spent_on_deliveries()
    {
        // 2 cores = 2,000,000 µs/s over (10 + 15 + (500 + 100 × 4) / 40,000) µs per delivery.
        var deliveries = Capacity.SaturatedDeliveriesOnOneMachine(2, 4, 40_000, 15, Costs);
        Assert.Equal(2e6 / (25 + 900.0 / 40_000), deliveries, 3);

        // An idle floor of 500 ms/s leaves 1.5 cores for the deliveries.
        Assert.Equal(1.5e6 / (25 + 900.0 / 40_000), Capacity.SaturatedDeliveriesOnOneMachine(2, 4, 40_000, 15, Costs, 500), 3);
    }

    [Fact]
    public void Quiet_channels_saturate_where_their_messages_spend_the_cores()
    {
        // A message of a 10-fan channel on 4 gateways: 800 µs in the gateways, 10 × 15 µs in the load generator, 2,000 µs
        // behind, and a stream event to each of the 4 gateways (100 µs each here); 1.5 cores spare after a 500-ms/s floor.
        var deliveries = Capacity.SaturatedQuietDeliveriesOnOneMachine(2, 4, 10, 800, 15, 2_000, Costs, 500);
        Assert.Equal(1.5e6 / (800 + 150 + 2_000 + 400) * 10, deliveries, 3);

        // A channel of 2 fans reaches at most 2 gateways.
        Assert.Equal(2e6 / (800 + 30 + 2_000 + 200) * 2, Capacity.SaturatedQuietDeliveriesOnOneMachine(2, 4, 2, 800, 15, 2_000, Costs), 3);
    }
}

/// <summary>deploy/k8s/hpa.yaml is derived from the model over the committed bench results, not guessed.</summary>
[Trait("Area", "ScaleOut")]
public sealed class AutoscalerLimitsTests
{
    [Fact]
    public void The_autoscalers_follow_the_capacity_model_of_the_committed_results()
    {
        var measured = MeasuredResults.Load(RepoPaths.Root);
        var pods = new PodSizes();
        var (gateways, silos) = Capacity.MaxReplicas([.. Capacity.Targets.Select(l => Capacity.Serve(l, measured.Costs, pods))]);

        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(RepoPaths.Root, "deploy", "k8s", "hpa.yaml")))
        {
            stream.Load(reader);
        }

        var hpas = stream.Documents.Select(d => (YamlMappingNode)d.RootNode)
            .ToDictionary(d => ((YamlScalarNode)((YamlMappingNode)d["metadata"])["name"]).Value!, d => (YamlMappingNode)d["spec"]);
        string Spec(string hpa, string key) => ((YamlScalarNode)hpas[hpa][key]).Value!;
        int Target(string hpa) => int.Parse(((YamlScalarNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)hpas[hpa]["metrics"])[0])["resource"])["target"])["averageUtilization"]).Value!, CultureInfo.InvariantCulture);

        Assert.Equal(gateways.ToString(CultureInfo.InvariantCulture), Spec("communityscale-gateway", "maxReplicas"));
        Assert.Equal(silos.ToString(CultureInfo.InvariantCulture), Spec("communityscale-silo", "maxReplicas"));
        Assert.Equal((int)Math.Round(pods.GatewayTargetUtilization * 100), Target("communityscale-gateway"));
        Assert.Equal((int)Math.Round(pods.SiloTargetUtilization * 100), Target("communityscale-silo"));
    }
}
