using CommunityScale.Bench;

// Load for the chat path. --mode fanout (default): N SignalR clients in one channel, K senders at a total rate.
// --mode acks: K senders in a closed loop into one channel, measuring durable acks. See LoadOptions for the flags.
var options = LoadOptions.Parse(args);
if (options.Mode == "acks")
{
    var acks = await AckRun.RunAsync(options);
    acks.Print();
    return acks.Acked == 0 ? 1 : 0;
}

var result = await FanoutRun.RunAsync(options);
result.Print();
await result.WriteAsync(options.Output);
return result.Delivered == 0 ? 1 : 0;
