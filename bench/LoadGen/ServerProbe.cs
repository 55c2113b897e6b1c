using System.Diagnostics;

namespace CommunityScale.Bench;

/// <summary>One reading of the server processes: CPU per process, the load generator's CPU, the storage process's bytes read and the silo's storage counters.</summary>
internal sealed record Snapshot(long Timestamp, TimeSpan[] Cpu, TimeSpan LoadCpu, long StorageRead, StorageCounters? Counters);

/// <summary>What the server processes used between two snapshots.</summary>
internal sealed record Usage(TimeSpan Elapsed, TimeSpan[] Cpu, TimeSpan LoadCpu, long StorageRead, StorageCounters? Counters)
{
    public TimeSpan TotalCpu => Cpu.Aggregate(TimeSpan.Zero, (a, b) => a + b);

    /// <summary>Milliseconds of CPU per second of wall time, per process (what the servers spend when nothing is sent).</summary>
    public double[] MsPerSecond => [.. Cpu.Select(c => c.TotalMilliseconds / Math.Max(0.001, Elapsed.TotalSeconds))];
}

/// <summary>
/// Reads the server processes named by <c>--pids</c> (the connection process first, then the silo, then the storage
/// process) and, with <c>--metrics-url</c>, the silo's storage counters.
/// </summary>
internal sealed class ServerProbe(LoadOptions o, HttpClient http)
{
    /// <summary>The storage process (Azurite), third in <c>--pids</c> for our system; 0 when there is none.</summary>
    private int StoragePid => o.ServerPids.Count > 2 ? o.ServerPids[2] : 0;

    /// <summary>The start of a window: the silo is scraped first, so that the scrape's own CPU falls outside the window.</summary>
    public async Task<Snapshot> Take()
    {
        var counters = await Scrape();
        return Read() with { Counters = counters };
    }

    /// <summary>The end of a window, read before the silo is scraped again (for the same reason).</summary>
    public async Task<Usage> Since(Snapshot before)
    {
        var now = Read();
        var counters = await Scrape();
        return new Usage(
            Stopwatch.GetElapsedTime(before.Timestamp, now.Timestamp),
            [.. now.Cpu.Select((c, i) => c - before.Cpu[i])],
            now.LoadCpu - before.LoadCpu,
            now.StorageRead - before.StorageRead,
            counters?.Minus(before.Counters ?? StorageCounters.Zero));
    }

    private Snapshot Read() => new(
        Stopwatch.GetTimestamp(),
        ProcessStats.CpuTimes(o.ServerPids),
        ProcessStats.OwnCpuTime(),
        StoragePid > 0 ? ProcessStats.ReadChars(StoragePid) : 0,
        null);

    private async Task<StorageCounters?> Scrape() => o.MetricsUrl is null ? null : await StorageCounters.Scrape(http, o.MetricsUrl);

    /// <summary>
    /// A measured step follows a step that may have been over what the servers carry: they may still be working off its
    /// backlog (in many-channels, seconds of storage writes). Waits until they used under <paramref name="coreShare"/> of
    /// a core over the last <paramref name="windowSeconds"/>, at most <paramref name="atMostSeconds"/>; with no process to
    /// watch, a fixed 1.5 s. Returns what they used over that last window, with nothing sent: their floor.
    /// </summary>
    public async Task<Usage> UntilCalm(double coreShare = 0.5, double windowSeconds = 0.25, double atMostSeconds = 6)
    {
        var look = TimeSpan.FromMilliseconds(250);
        if (o.ServerPids.Count == 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            return new Usage(TimeSpan.FromSeconds(1.5), [], TimeSpan.Zero, 0, null);
        }

        var window = TimeSpan.FromSeconds(windowSeconds);
        var waited = Stopwatch.StartNew();
        var readings = new List<(TimeSpan At, TimeSpan[] Cpu)> { (waited.Elapsed, ProcessStats.CpuTimes(o.ServerPids)) };
        while (true)
        {
            await Task.Delay(look);
            var now = (At: waited.Elapsed, Cpu: ProcessStats.CpuTimes(o.ServerPids));
            // The oldest reading at least a window old, and none older.
            while (readings.Count > 1 && now.At - readings[1].At >= window)
            {
                readings.RemoveAt(0);
            }

            var first = readings[0];
            var span = now.At - first.At;
            var used = new Usage(span, [.. now.Cpu.Select((c, i) => c - first.Cpu[i])], TimeSpan.Zero, 0, null);
            if (span >= window && used.TotalCpu < span * coreShare)
            {
                return used;
            }

            if (waited.Elapsed >= TimeSpan.FromSeconds(atMostSeconds))
            {
                Console.WriteLine($"  (the servers were still busy after {waited.Elapsed.TotalSeconds:0.0} s; measuring anyway)");
                return used;
            }

            readings.Add(now);
        }
    }
}
