using CommunityScale.Bench.Bare;

// The baseline of issue #5: what ASP.NET Core SignalR alone does on this machine. The same hub methods and event as the
// gateway's /hubs/community, so the load generator drives both alike, but no Orleans, no storage, no auth, no moderation.
// With --Redis host:port it is the scale-out a .NET team would build instead of ours (issue 25): several of these
// processes behind SignalR's Redis backplane, where every group send goes through Redis to every process.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var signalR = builder.Services.AddSignalR().AddMessagePackProtocol();
if (builder.Configuration["Redis"] is { Length: > 0 } redis)
{
    signalR.AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal("bare"));
}

builder.Services.AddSingleton<Sequences>();
var app = builder.Build();
app.MapGet("/health/ready", () => "ready");
app.MapHub<BareHub>("/hubs/community");
app.Run();
