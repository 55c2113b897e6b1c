using CommunityScale.Bench;

// The load generator of ./scripts/bench. --mode fanout: one channel, N clients, a rising-rate sweep; --mode acks:
// closed-loop durable sends; --mode reconnect: a reconnect storm; --mode sizes: silo CPU per message against channel
// size; --mode cluster: one hot channel over several gateways, its clients held by --mode listen processes. Each writes
// its part under bench/results/parts. --mode pair copies ours (or, with --role baseline, the baseline) of --from under
// another scenario name, to face a second measurement of the other side. --mode report joins the parts into
// bench/results/latest.json (ratios ours ÷ baseline), a dated copy, latest.png and, with a size sweep,
// channel-size-sweep.png. See LoadOptions for the flags.
var options = LoadOptions.Parse(args);
if (options.Mode == "report")
{
    return await Results.Report(options.ResultsDir);
}

if (options.Mode == "pair")
{
    // One measurement set beside a second one of the other side, the same run, not a rerun: ours of fanout-1k beside the
    // rejected design (fanout-naive), the bare hub of many-channels beside ours on Redis (--role baseline).
    return await Results.Pair(options.ResultsDir, options.From, options.Scenario, options.BaselineName, options.Role);
}

if (options.Mode == "listen")
{
    // A listener process of --mode cluster: it writes no part; the cluster run reports for all its listeners.
    return await ClusterListener.RunAsync(options);
}

var part = options.Mode switch
{
    "cluster" => await ClusterRun.RunAsync(options),
    "acks" => await AckRun.RunAsync(options),
    "reconnect" => await ReconnectRun.RunAsync(options),
    "sizes" => await ChannelSizeRun.RunAsync(options),
    _ => await FanoutRun.RunAsync(options),
};
await Results.WritePart(options.ResultsDir, part);
return part.Value > 0 ? 0 : 1;
