using CommunityScale.Tools.Capacity;

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
    public void The_line_through_the_gateway_runs_is_the_least_squares_one()
    {
        var (fixedPart, perGateway) = Capacity.FitLine([(1, 600), (2, 700), (4, 900)]);
        Assert.Equal(500, fixedPart, 6);
        Assert.Equal(100, perGateway, 6);
        Assert.Throws<ArgumentException>(() => Capacity.FitLine([(1, 600)]));
    }

    [Fact]
    public void One_machine_saturates_where_its_cores_are_spent_on_deliveries()
    {
        // 2 cores = 2,000,000 µs/s over (10 + 15 + (500 + 100 × 4) / 40,000) µs per delivery.
        var deliveries = Capacity.SaturatedDeliveriesOnOneMachine(2, 4, 40_000, 15, Costs);
        Assert.Equal(2e6 / (25 + 900.0 / 40_000), deliveries, 3);
    }
}
