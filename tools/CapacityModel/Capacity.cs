namespace CommunityScale.Tools.Capacity;

/// <summary>What the benchmarks measured, per delivery and per message (bench/results/cluster and bench/results).</summary>
/// <param name="GatewayUsPerDelivery">Gateway CPU per delivery, hot channel, at saturation, net of the idle connections' floor.</param>
/// <param name="BehindUsPerMessageFixed">Silo + Redis + storage CPU per hot-channel message that does not depend on the gateways.</param>
/// <param name="BehindUsPerMessagePerGateway">Silo + Redis + storage CPU per hot-channel message for each gateway listening.</param>
/// <param name="BytesPerConnection">Gateway memory per connection (RSS growth over the connects ÷ connections).</param>
/// <param name="QuietGatewayUsPerMessage">Gateway CPU per message of a quiet channel, its 10 deliveries included.</param>
/// <param name="QuietBehindUsPerMessage">Silo + storage CPU per message of a quiet channel (follow-ups included).</param>
/// <param name="QuietDeliveriesPerMessage">Deliveries per message in that measurement (clients per channel).</param>
/// <param name="StorageOperationsPerMessage">Storage operations per quiet message.</param>
/// <param name="OneChannelMessagesPerSecond">Acked sends a second into one channel (its grain's ceiling, durable-sends).</param>
/// <param name="GatewayIdleUsPerConnectionPerSecond">Gateway CPU an idle connection costs each second (keep-alives, timers).</param>
public sealed record MeasuredCosts(
    double GatewayUsPerDelivery,
    double BehindUsPerMessageFixed,
    double BehindUsPerMessagePerGateway,
    double BytesPerConnection,
    double QuietGatewayUsPerMessage,
    double QuietBehindUsPerMessage,
    double QuietDeliveriesPerMessage,
    double StorageOperationsPerMessage,
    double OneChannelMessagesPerSecond,
    double GatewayIdleUsPerConnectionPerSecond = 0);

/// <summary>The pods and how full they may run (the HorizontalPodAutoscaler targets in deploy/k8s/hpa.yaml).</summary>
public sealed record PodSizes(
    double GatewayCores = 2,
    double GatewayMemoryBytes = 4L << 30,
    double GatewayTargetUtilization = 0.6,
    int GatewayMaxConnections = 50_000,
    double SiloCores = 2,
    double SiloTargetUtilization = 0.7,
    double RedisOperationsPerSecond = 80_000,
    double RedisTargetUtilization = 0.5);

/// <summary>A load to serve: fans online, spread over channels, and each channel's message rate.</summary>
public sealed record Load(string Name, long Fans, int Channels, double MessagesPerChannelPerSecond)
{
    public double MessagesPerSecond => Channels * MessagesPerChannelPerSecond;

    public double FansPerChannel => (double)Fans / Channels;

    public double DeliveriesPerSecond => MessagesPerSecond * FansPerChannel;
}

/// <summary>What serves a load, with the limit that decided each count.</summary>
public sealed record Plan(
    Load Load, int Gateways, string GatewayLimit, int Silos, double GatewayCoresBusy, double SiloCoresBusy, double StorageOperationsPerSecond,
    int RedisInstances, double OneChannelHeadroom);

/// <summary>
/// The capacity model: pure arithmetic over measured costs, so a capacity plan and the autoscaler limits can be
/// recomputed whenever the benchmarks change. Gateways: the most of CPU (deliveries × cost per delivery, plus the quiet
/// messages' own gateway work, plus what the idle connections cost), memory (connections × bytes each) and connections per pod. Silos: messages × the cost
/// behind the gateways, whose hot-channel part grows with the gateways a channel reaches (one stream event each).
/// </summary>
public static class Capacity
{
    /// <summary>The two loads issue 25 asks about: a busy evening and a stadium moment.</summary>
    public static IReadOnlyList<Load> Targets { get; } =
    [
        new("(a) 1,000,000 fans, 10,000 channels of 100, 1 msg/s each", 1_000_000, 10_000, 1),
        new("(b) one channel of 100,000 fans at 50 msg/s", 100_000, 1, 50),
    ];

    /// <summary>
    /// The autoscalers' ceilings: the larger plan plus a quarter for a surge; silos at least 4, so a drain and a crash
    /// can overlap on the smallest cluster.
    /// </summary>
    public static (int Gateways, int Silos) MaxReplicas(IReadOnlyList<Plan> plans)
    {
        ArgumentNullException.ThrowIfNull(plans);
        return (plans.Max(p => p.Gateways) * 5 / 4, Math.Max(4, plans.Max(p => p.Silos) * 5 / 4));
    }

    public static Plan Serve(Load load, MeasuredCosts costs, PodSizes pods)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(costs);
        ArgumentNullException.ThrowIfNull(pods);

        // A channel's message costs the gateway its own share (hub call, ack) once, and one delivery per fan.
        var ownGatewayUs = Math.Max(0, costs.QuietGatewayUsPerMessage - costs.QuietDeliveriesPerMessage * costs.GatewayUsPerDelivery);
        var gatewayCores = (load.DeliveriesPerSecond * costs.GatewayUsPerDelivery + load.MessagesPerSecond * ownGatewayUs
            + load.Fans * costs.GatewayIdleUsPerConnectionPerSecond) / 1e6;
        var byCpu = Ceiling(gatewayCores / (pods.GatewayCores * pods.GatewayTargetUtilization));
        var byMemory = Ceiling(load.Fans * costs.BytesPerConnection / (pods.GatewayMemoryBytes * 0.8));
        var byConnections = Ceiling((double)load.Fans / pods.GatewayMaxConnections);
        var gateways = Math.Max(1, Math.Max(byCpu, Math.Max(byMemory, byConnections)));
        var limit = gateways == byCpu ? "CPU" : gateways == byMemory ? "memory" : "connections";

        // Fans spread evenly: a message reaches min(gateways, fans of its channel) gateways, one stream event each. A
        // channel above one message a second shares its follow-ups (awards go in rounds, at most one a second), as the
        // hot-channel runs measured; a quieter one pays them per message, as many-channels measured.
        var gatewaysPerChannel = Math.Min(gateways, load.FansPerChannel);
        var behindUs = (load.MessagesPerChannelPerSecond > 1 ? costs.BehindUsPerMessageFixed : costs.QuietBehindUsPerMessage)
            + costs.BehindUsPerMessagePerGateway * gatewaysPerChannel;
        var siloCores = load.MessagesPerSecond * behindUs / 1e6;
        var silos = Math.Max(2, Ceiling(siloCores / (pods.SiloCores * pods.SiloTargetUtilization)));
        var operations = load.MessagesPerSecond * costs.StorageOperationsPerMessage;
        var redis = Math.Max(1, Ceiling(operations / (pods.RedisOperationsPerSecond * pods.RedisTargetUtilization)));
        return new Plan(load, gateways, limit, silos, gatewayCores, siloCores, operations, redis,
            costs.OneChannelMessagesPerSecond / load.MessagesPerChannelPerSecond);
    }

    /// <summary>
    /// What one machine of <paramref name="cores"/> cores should deliver at saturation with every process on it: each
    /// delivery costs the gateway and the load generator, and each message what is behind the gateways, out of what the
    /// servers' idle floor leaves.
    /// </summary>
    public static double SaturatedDeliveriesOnOneMachine(
        double cores, int gateways, int clients, double loadUsPerDelivery, MeasuredCosts costs, double idleServerMsPerSecond = 0)
    {
        ArgumentNullException.ThrowIfNull(costs);
        var behindPerDelivery = (costs.BehindUsPerMessageFixed + costs.BehindUsPerMessagePerGateway * gateways) / clients;
        return SpareUs(cores, idleServerMsPerSecond) / (costs.GatewayUsPerDelivery + loadUsPerDelivery + behindPerDelivery);
    }

    /// <summary>
    /// The same for quiet channels of <paramref name="fansPerChannel"/> fans: each message costs the gateways
    /// <paramref name="gatewayUsPerMessage"/> (its deliveries included), the load generator its deliveries,
    /// <paramref name="behindUsPerMessage"/> behind the gateways, and one stream event per gateway it reaches.
    /// </summary>
    public static double SaturatedQuietDeliveriesOnOneMachine(
        double cores, int gateways, double fansPerChannel, double gatewayUsPerMessage, double loadUsPerDelivery, double behindUsPerMessage, MeasuredCosts costs,
        double idleServerMsPerSecond = 0)
    {
        ArgumentNullException.ThrowIfNull(costs);
        var perMessage = gatewayUsPerMessage + fansPerChannel * loadUsPerDelivery + behindUsPerMessage
            + costs.BehindUsPerMessagePerGateway * Math.Min(gateways, fansPerChannel);
        return SpareUs(cores, idleServerMsPerSecond) / perMessage * fansPerChannel;
    }

    // The CPU µs a second left for deliveries: what the servers spend holding the connections with nothing sent is not.
    private static double SpareUs(double cores, double idleServerMsPerSecond) => Math.Max(0, cores * 1e6 - idleServerMsPerSecond * 1e3);

    private static int Ceiling(double value) => (int)Math.Ceiling(Math.Max(0, value) - 1e-9);
}
