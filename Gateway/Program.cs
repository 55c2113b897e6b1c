using CommunityScale.Gateway.Hosting;

// The gateway: REST API, SignalR hub and browser page; an Orleans client of the silos. See Hosting/GatewayApp.cs.
var app = GatewayApp.Build(args);
app.Run();
