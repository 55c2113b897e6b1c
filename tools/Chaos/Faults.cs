namespace CommunityScale.Chaos;

internal static class FaultKinds
{
    public const string SiloKill = "silo-kill";
    public const string SiloTerm = "silo-term";
    public const string GatewayKill = "gateway-kill";
    public const string AzuriteFreeze = "azurite-freeze";
    public const string RedisRestart = "redis-restart";

    /// <summary>One silo's storage link (its own TCP proxy to Azurite, deploy/local-cluster's link-silo-N) slowed for 5–15 s.</summary>
    public const string SlowStorageLink = "slow-storage-link";

    public static readonly string[] All = [SiloKill, SiloTerm, GatewayKill, AzuriteFreeze, RedisRestart, SlowStorageLink];

    /// <summary>The slow link's delay range per forwarded chunk (each direction), drawn per chunk from the fault's seed.</summary>
    public const int SlowLinkMinMs = 200;

    public const int SlowLinkMaxMs = 1000;
}

/// <summary>One planned fault: when, what, which process of its tier (an index; the executor skips busy ones) and how long it lasts.</summary>
internal sealed record PlannedFault(double At, string Kind, int Target, double Seconds);

internal static class Schedule
{
    /// <summary>
    /// From the seed and the kinds alone: the same seed gives the same schedule. Kinds come in shuffled rounds of all six (or of those asked for), so a short
    /// run still meets several kinds and a long one meets each about equally; gaps of 10–50 s keep it above one fault a
    /// minute, and faults that last longer than the gap overlap. The target index also seeds a slow link's delays.
    /// </summary>
    public static IReadOnlyList<PlannedFault> Plan(int seed, double from, double until, IReadOnlyList<string> kinds)
    {
        var random = new Random(seed);
        var faults = new List<PlannedFault>();
        var round = new Queue<string>();
        for (var at = from + random.NextDouble() * 10; at < until; at += 10 + random.NextDouble() * 40)
        {
            if (round.Count == 0)
            {
                foreach (var kind in kinds.OrderBy(_ => random.Next()))
                {
                    round.Enqueue(kind);
                }
            }

            var next = round.Dequeue();
            // Down time before a killed process is started again (a supervisor's restart delay); Azurite's freeze and a
            // slow storage link last 5–15 s.
            var seconds = next is FaultKinds.AzuriteFreeze or FaultKinds.SlowStorageLink ? 5 + random.NextDouble() * 10 : 2 + random.NextDouble() * 8;
            faults.Add(new PlannedFault(Math.Round(at, 1), next, random.Next(1000), Math.Round(seconds, 1)));
        }

        return faults;
    }
}

/// <summary>What a fault did, and what the run measured around it.</summary>
internal sealed class FaultRecord
{
    public required string Kind { get; init; }

    public required string Target { get; init; }

    public double PlannedAt { get; init; }

    public double StartedAt { get; set; }

    public double EndedAt { get; set; }

    public double DownSeconds { get; init; }

    public string? Failure { get; set; }

    /// <summary>From the fault's start until every sender had an ack again (the slowest sender).</summary>
    public double? RecoverySeconds { get; set; }

    /// <summary>
    /// For a fault that is a window (storage frozen): from the window's end until every sender had an ack again. While
    /// storage is frozen nothing can be acked durably, so the time from the start is the window's own length.
    /// </summary>
    public double? AfterWindowSeconds { get; set; }

    public bool Converged { get; set; }

    /// <summary>From the fault's end until every listener showed every message acked by then.</summary>
    public double? ConvergedAfterSeconds { get; set; }

    public int ListenersBehind { get; set; }

    public bool ProcessesBack { get; set; }

    public IReadOnlyList<string> Overlapping { get; set; } = [];

    /// <summary>A slow link's seed for its per-chunk delays (from the schedule, so the same seed slows the same way).</summary>
    public int? DelaySeed { get; init; }
}

/// <summary>Runs the schedule against the cluster, keeping every tier above zero: at most all but one silo or gateway out at once.</summary>
internal sealed class FaultInjector(Cluster cluster, Recorder recorder, Options options)
{
    private readonly HashSet<string> _busy = new(StringComparer.Ordinal);
    private readonly List<Task> _running = [];

    public List<FaultRecord> Done { get; } = [];

    public event Action<FaultRecord>? Ended;

    public async Task Run(IReadOnlyList<PlannedFault> plan, double giveUpAt, CancellationToken cancel)
    {
        foreach (var planned in plan)
        {
            var wait = planned.At - recorder.Now;
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait), cancel);
            }

            string? target;
            while ((target = PickTarget(planned)) is null && recorder.Now < giveUpAt)
            {
                await Task.Delay(250, cancel);
            }

            if (target is null)
            {
                continue;
            }

            var record = new FaultRecord
            {
                Kind = planned.Kind, Target = target, PlannedAt = planned.At, DownSeconds = planned.Seconds, StartedAt = recorder.Now,
                DelaySeed = planned.Kind == FaultKinds.SlowStorageLink ? planned.Target : null,
            };
            lock (_busy)
            {
                record.Overlapping = [.. _busy];
                _busy.Add(target);
                Done.Add(record);
            }

            _running.Add(Execute(record));
        }

        await Task.WhenAll(_running);
    }

    private string? PickTarget(PlannedFault f)
    {
        var (candidates, maxOut) = f.Kind switch
        {
            FaultKinds.SiloKill or FaultKinds.SiloTerm => (Enumerable.Range(1, options.Silos).Select(i => $"silo-{i}").ToArray(), options.Silos - 1),
            FaultKinds.GatewayKill => (Enumerable.Range(1, options.GatewayCount).Select(i => $"gateway-{i}").ToArray(), options.GatewayCount - 1),
            FaultKinds.AzuriteFreeze => (["azurite"], 1),
            FaultKinds.RedisRestart => (new[] { "redis" }, 1),
            // One slow link at a time: a slow silo is still in service, and two would leave no silo at full speed.
            FaultKinds.SlowStorageLink => (Enumerable.Range(1, options.Silos).Select(i => $"link-silo-{i}").ToArray(), 1),
            _ => throw new InvalidOperationException(f.Kind),
        };
        lock (_busy)
        {
            if (candidates.Count(_busy.Contains) >= maxOut)
            {
                return null;
            }

            for (var i = 0; i < candidates.Length; i++)
            {
                var name = candidates[(f.Target + i) % candidates.Length];
                if (!_busy.Contains(name))
                {
                    return name;
                }
            }
        }

        return null;
    }

    private async Task Execute(FaultRecord f)
    {
        try
        {
            var pid = cluster.Pid(f.Target) ?? throw new InvalidOperationException($"{f.Target} has no pid file");
            switch (f.Kind)
            {
                case FaultKinds.SiloKill or FaultKinds.GatewayKill:
                    await Cluster.Signal(pid, "KILL");
                    await Cluster.WaitExit(pid, TimeSpan.FromSeconds(10));
                    await Task.Delay(TimeSpan.FromSeconds(f.DownSeconds));
                    await Start("start", f);
                    break;
                case FaultKinds.SiloTerm:
                    await Cluster.Signal(pid, "TERM");
                    if (!await Cluster.WaitExit(pid, TimeSpan.FromSeconds(70)))
                    {
                        f.Failure = $"{f.Target} did not exit within 70 s of SIGTERM";
                        await Cluster.Signal(pid, "KILL");
                    }

                    await Start("start", f);
                    break;
                case FaultKinds.AzuriteFreeze:
                    await Cluster.Signal(pid, "STOP");
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(f.DownSeconds));
                    }
                    finally
                    {
                        await Cluster.Signal(pid, "CONT");
                    }

                    break;
                case FaultKinds.RedisRestart:
                    await Start("restart", f);
                    break;
                case FaultKinds.SlowStorageLink:
                    await cluster.SetLinkDelay(f.Target, pid, $"{FaultKinds.SlowLinkMinMs} {FaultKinds.SlowLinkMaxMs} {f.DelaySeed}");
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(f.DownSeconds));
                    }
                    finally
                    {
                        await cluster.SetLinkDelay(f.Target, pid, "off");
                    }

                    break;
                default:
                    throw new InvalidOperationException(f.Kind);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            f.Failure = ex.Message;
        }

        f.EndedAt = recorder.Now;
        lock (_busy)
        {
            _busy.Remove(f.Target);
        }

        // Back to plan: every process that no other fault is holding down is running again.
        string[] missing;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            lock (_busy)
            {
                missing = [.. cluster.Plan.Except(cluster.Running()).Where(n => !_busy.Contains(n))];
            }

            if (missing.Length > 0)
            {
                await Task.Delay(250);
            }
        }
        while (missing.Length > 0 && DateTime.UtcNow < deadline);

        f.ProcessesBack = missing.Length == 0;
        if (missing.Length > 0)
        {
            f.Failure ??= $"not running after the fault: {string.Join(", ", missing)}";
        }

        Ended?.Invoke(f);
    }

    private async Task Start(string verb, FaultRecord f)
    {
        var (code, output) = await cluster.Script(verb, f.Target);
        if (code != 0)
        {
            f.Failure = $"deploy/local-cluster {verb} {f.Target} failed ({code}): {output}";
        }
    }
}
