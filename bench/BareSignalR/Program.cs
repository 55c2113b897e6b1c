using CommunityScale.Bench.Bare;

// The baseline of issue #5: what ASP.NET Core SignalR alone does on this machine. The same hub methods and event as the
// gateway's /hubs/community, so the load generator drives both alike, but no Orleans, no storage, no auth, no moderation.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSignalR().AddMessagePackProtocol();
builder.Services.AddSingleton<Sequences>();
var app = builder.Build();
app.MapGet("/health/ready", () => "ready");
app.MapHub<BareHub>("/hubs/community");
app.Run();
