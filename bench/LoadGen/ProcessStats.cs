using System.Diagnostics;
using System.Globalization;

namespace CommunityScale.Bench;

/// <summary>CPU time, resident memory and bytes read of the server processes under test, read from /proc (Linux).</summary>
internal static class ProcessStats
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static TimeSpan CpuTime(IEnumerable<int> pids) => TimeSpan.FromSeconds(pids.Sum(pid =>
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }));

    /// <summary>Each process's CPU time, in the order given.</summary>
    public static TimeSpan[] CpuTimes(IReadOnlyList<int> pids) => [.. pids.Select(pid => CpuTime([pid]))];

    /// <summary>This process's CPU time: the load generator shares the cores with the servers, so its share is reported too.</summary>
    public static TimeSpan OwnCpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    public static long RssBytes(int pid) => StatusField(pid, "VmRSS:") * 1024;

    /// <summary>
    /// <c>rchar</c> of /proc/PID/io: every byte the process read through read(2) and friends, sockets included. For the
    /// storage process that is what it was sent (HTTP framing, headers and base64 included), not what it stored.
    /// </summary>
    public static long ReadChars(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/io"))
        {
            if (line.StartsWith("rchar:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static long StatusField(int pid, string name)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
