using System.Diagnostics;
using System.Globalization;

namespace CommunityScale.TestSupport;

/// <summary>A real redis-server (Debian's, installed by the scripts) on a free loopback port, no persistence; stopped by pid.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly string[] Binaries = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var binary = Binaries.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed: run ./scripts/test, which installs it (apt-get install redis-server).");
        var port = FreePort.Next();
        var process = await LoopbackPort.StartListening(binary,
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            port, TimeSpan.FromSeconds(15), "redis-server");
        return new RedisServer(process, port);
    }

    public async ValueTask DisposeAsync() => await LoopbackPort.StopAsync(_process);
}
