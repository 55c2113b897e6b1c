using System.Diagnostics;
using System.Globalization;

namespace CommunityScale.TestSupport;

/// <summary>
/// Silos and gateways as real operating-system processes (the built programs), for what an in-process host cannot
/// show: a hard kill, a SIGTERM drain. Each process is stopped by pid; its output goes to artifacts/test-logs/.
/// </summary>
public sealed class ProcessCluster(IDictionary<string, string?> settings) : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private readonly List<ClusterProcess> _processes = [];
    private readonly string _clusterId = $"proc-{Guid.NewGuid():n}"[..16];

    public Task<ClusterProcess> StartSiloAsync(string name) => StartAsync(name, "Silo", new()
    {
        ["Orleans:SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
        ["Orleans:GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
    });

    /// <summary>Starts a gateway; <paramref name="own"/> adds or overrides settings for this process only.</summary>
    public Task<ClusterProcess> StartGatewayAsync(string name, IReadOnlyDictionary<string, string?>? own = null) => StartAsync(name, "Gateway", new()
    {
        ["Auth:SigningKey"] = ChatSystem.SigningKey,
        ["Auth:DevTokens"] = "true",
    }, own);

    /// <summary>The cluster's settings, then the program's, then the test's for this process: a later one wins.</summary>
    private async Task<ClusterProcess> StartAsync(string name, string program, Dictionary<string, string?> own, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var httpPort = FreePort.Next();
        var all = new Dictionary<string, string?>(settings)
        {
            ["Orleans:ClusterId"] = _clusterId,
            ["Orleans:ServiceId"] = "communityscale-tests",
            ["urls"] = $"http://127.0.0.1:{httpPort}",
        };
        foreach (var (key, value) in own.Concat(overrides ?? new Dictionary<string, string?>()))
        {
            all[key] = value;
        }

        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(RepoPaths.Root, program, "bin", configuration, "net10.0", $"CommunityScale.{program}.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution first (./scripts/test does).");
        }

        var logs = Directory.CreateDirectory(Path.Combine(RepoPaths.Root, "artifacts", "test-logs")).FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.Combine(RepoPaths.Root, program),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in all)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var log = new StreamWriter(Path.Combine(logs, $"{_clusterId}-{name}.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = new ClusterProcess(name, process, new Uri($"http://127.0.0.1:{httpPort}"), log);
        _processes.Add(started);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with code {process.ExitCode}; see artifacts/test-logs/{_clusterId}-{name}.log");
            }

            try
            {
                if ((await http.GetAsync(new Uri(started.Url, "/health/ready"))).IsSuccessStatusCode)
                {
                    return started;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(PollInterval);
        }

        throw new TimeoutException($"{name} was not ready within 90 s; see artifacts/test-logs/{_clusterId}-{name}.log");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.KillAsync();
        }
    }
}

public sealed class ClusterProcess(string name, Process process, Uri url, StreamWriter log)
{
    public string Name { get; } = name;

    public Uri Url { get; } = url;

    public bool HasExited => process.HasExited;

    /// <summary>SIGKILL: the process gets no chance to clean up, as when a machine dies.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        lock (log)
        {
            log.Dispose();
        }
    }

    /// <summary>SIGTERM, as Kubernetes sends before a pod goes: the process drains and exits by itself.</summary>
    public async Task<int> TerminateAsync(TimeSpan grace)
    {
        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(grace);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }
}
