using System.Diagnostics;
using System.Globalization;

namespace CommunityScale.Chaos;

/// <summary>
/// The local cluster's processes, as <c>deploy/local-cluster</c> records them (one pid file per name). Faults act on those
/// pids; bringing a process back goes through the script, so a restarted process has exactly the command line of <c>up</c>.
/// </summary>
internal sealed class Cluster(Options options)
{
    public IReadOnlyList<string> Plan { get; } =
    [
        "redis", "azurite",
        .. Enumerable.Range(1, options.Silos).Select(i => $"link-silo-{i}"),
        .. Enumerable.Range(1, options.Silos).Select(i => $"silo-{i}"),
        .. Enumerable.Range(1, options.GatewayCount).Select(i => $"gateway-{i}"),
    ];

    public int? Pid(string name)
    {
        var file = Path.Combine(options.StateDir, $"{name}.pid");
        try
        {
            return int.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException)
        {
            return null;
        }
    }

    public static bool IsAlive(int pid)
    {
        // A zombie still has /proc/PID; its state letter says it is gone.
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>gateway-N's place in the gateway list (<c>up</c> prints them in order), or null for any other process.</summary>
    public static int? GatewayIndex(string name) =>
        name.StartsWith("gateway-", StringComparison.Ordinal) && int.TryParse(name.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n - 1 : null;

    /// <summary>Names of the plan whose recorded process is alive.</summary>
    public IReadOnlyList<string> Running() => [.. Plan.Where(n => Pid(n) is { } pid && IsAlive(pid))];

    public static async Task Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { $"-{signal}", pid.ToString(CultureInfo.InvariantCulture) }, RedirectStandardError = true })!;
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits until the process has exited (a drain on SIGTERM can take a while).</summary>
    public static async Task<bool> WaitExit(int pid, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (IsAlive(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

    /// <summary>
    /// Sets a storage link's speed: writes its control file (<c>link-silo-N.delay</c>: "MIN_MS MAX_MS SEED" or "off") and
    /// sends SIGHUP, on which the link reads it (tools/StorageLink).
    /// </summary>
    public async Task SetLinkDelay(string link, int pid, string setting)
    {
        await File.WriteAllTextAsync(Path.Combine(options.StateDir, $"{link}.delay"), setting + "\n");
        await Signal(pid, "HUP");
    }

    /// <summary>Runs <c>deploy/local-cluster VERB NAME</c> with the cluster's environment (inherited from ./scripts/chaos).</summary>
    public async Task<(int ExitCode, string Output)> Script(string verb, string name)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = options.RepoRoot };
        start.ArgumentList.Add(Path.Combine(options.RepoRoot, "deploy", "local-cluster"));
        start.ArgumentList.Add(verb);
        start.ArgumentList.Add(name);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }

    /// <summary>CPU time the process has used (user and system), from /proc/PID/stat; null once it is gone.</summary>
    public static double? CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields 14 and 15 of stat (utime, stime), counted from the state letter (field 3), in clock ticks of 1/100 s.
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The whole machine's CPU ticks (busy, total) from /proc/stat: other work on the box included.</summary>
    public static (long Busy, long Total) MachineTicks()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var total = cpu.Take(8).Sum();
        // idle and iowait
        return (total - cpu[3] - cpu[4], total);
    }

    public static long? RssBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
