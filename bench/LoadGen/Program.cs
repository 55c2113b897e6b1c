using CommunityScale.Bench;

// The load generator of ./scripts/bench. --mode fanout: one channel, N clients, a rising-rate sweep; --mode acks:
// closed-loop durable sends; --mode reconnect: a reconnect storm; --mode sizes: silo CPU per message against channel
// size; each writes its part under bench/results/parts. --mode pair copies ours of --from under another scenario name
// (to face a second baseline). --mode report joins the parts into bench/results/latest.json (ratios ours ÷ baseline), a
// dated copy, latest.png and, with a size sweep, channel-size-sweep.png. See LoadOptions for the flags.
var options = LoadOptions.Parse(args);
if (options.Mode == "report")
{
    return await Results.Report(options.ResultsDir);
}

if (options.Mode == "pair")
{
    // One measurement of ours set beside a second baseline (fanout-naive beside fanout-1k): the same run, not a rerun.
    return await Results.Pair(options.ResultsDir, options.From, options.Scenario, options.BaselineName);
}

var part = options.Mode switch
{
    "acks" => await AckRun.RunAsync(options),
    "reconnect" => await ReconnectRun.RunAsync(options),
    "sizes" => await ChannelSizeRun.RunAsync(options),
    _ => await FanoutRun.RunAsync(options),
};
await Results.WritePart(options.ResultsDir, part);
return part.Value > 0 ? 0 : 1;
