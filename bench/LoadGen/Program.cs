using CommunityScale.Bench;

// Fan-out load: N SignalR clients in one channel, K senders at a total rate; see LoadOptions for the flags.
var options = LoadOptions.Parse(args);
var result = await FanoutRun.RunAsync(options);
result.Print();
await result.WriteAsync(options.Output);
return result.Delivered == 0 ? 1 : 0;
