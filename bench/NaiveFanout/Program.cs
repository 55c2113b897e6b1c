using CommunityScale.Bench.Naive;

// The fan-out baseline `fanout-naive` of issue #5: the rejected design, a channel grain that calls every connection per
// message. Two processes, like ours: `--role silo` hosts the grain; `--role gateway` is the Orleans client with the hub.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
const int siloPort = 11131, gatewayPort = 30031;
if (builder.Configuration["role"] == "silo")
{
    builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort, gatewayPort));
}
else
{
    builder.UseOrleansClient(client => client.UseLocalhostClustering(gatewayPort));
    builder.Services.AddSignalR().AddMessagePackProtocol();
    builder.Services.AddSingleton<Observers>();
}

var app = builder.Build();
app.MapGet("/health/ready", () => "ready");
if (builder.Configuration["role"] != "silo")
{
    app.MapHub<NaiveHub>("/hubs/community");
}

app.Run();
