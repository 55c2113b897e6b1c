using System.Diagnostics;

namespace CommunityScale.TestSupport;

/// <summary>
/// A real Azurite Table service (npm <c>azurite</c>, installed under the repo by the scripts) on a free loopback port,
/// and on request its Blob service beside it, with their data in a temporary folder. Stopped by pid on dispose.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _process;
    private readonly Process? _blobProcess;
    private readonly string _dataDir;

    private AzuriteServer(Process process, int port, string dataDir, Process? blobProcess, int blobPort)
    {
        _process = process;
        _dataDir = dataDir;
        Port = port;
        _blobProcess = blobProcess;
        BlobPort = blobPort;
    }

    public int Port { get; }

    /// <summary>0 unless started with blobs.</summary>
    public int BlobPort { get; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public string BlobConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;";

    public static async Task<AzuriteServer> StartAsync(bool blobs = false)
    {
        var script = Path.Combine(RepoPaths.Root, "node_modules", "azurite", "dist", "src", "table", "main.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed ({script} is missing): run ./scripts/test, which runs 'npm ci'.");
        }

        var port = FreePort.Next();
        var dataDir = Directory.CreateTempSubdirectory("azurite-test-").FullName;
        var process = await LoopbackPort.StartListening("node",
            [script, "--tableHost", "127.0.0.1", "--tablePort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", dataDir, "--disableTelemetry", "--skipApiVersionCheck", "--silent"],
            port, TimeSpan.FromSeconds(30), "Azurite");
        if (!blobs)
        {
            return new AzuriteServer(process, port, dataDir, null, 0);
        }

        var blobPort = FreePort.Next();
        var blobProcess = await LoopbackPort.StartListening("node",
            [Path.Combine(RepoPaths.Root, "node_modules", "azurite", "dist", "src", "blob", "main.js"), "--blobHost", "127.0.0.1",
                "--blobPort", blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", dataDir, "--disableTelemetry", "--skipApiVersionCheck", "--silent"],
            blobPort, TimeSpan.FromSeconds(30), "Azurite blob");
        return new AzuriteServer(process, port, dataDir, blobProcess, blobPort);
    }

    public async ValueTask DisposeAsync()
    {
        if (_blobProcess is not null)
        {
            await LoopbackPort.StopAsync(_blobProcess);
        }

        await LoopbackPort.StopAsync(_process);
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the dying process: the OS temp cleaner takes it.
        }
    }
}
