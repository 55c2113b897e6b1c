using CommunityScale.Silo.Hosting;

// The silo: holds communities, members and channels as grains; see Hosting/SiloApp.cs for what it is made of.
var app = SiloApp.Build(args);
app.Run();
