using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CommunityScale.Chaos;

internal sealed record ReportInput(
    Options Options, DateTimeOffset StartedAt, double EndOfSends, Recorder Recorder, IReadOnlyList<FaultRecord> Faults,
    IReadOnlyDictionary<string, List<Message>> History, IReadOnlyList<string> BehindAtEnd, IReadOnlyList<string> RunningAtEnd,
    IReadOnlyList<string> Plan, IReadOnlySet<string> Documented, int Listeners, int Reconnects, int Churned, int GapRejoins, long Delivered,
    IReadOnlyDictionary<string, double> CpuCores, double MachineBusyPercent);

internal sealed record Percentiles(double? P50, double? P95, double? Max);

/// <summary>
/// A gateway's RSS follows its connections, which move to it when another gateway dies: they are reported beside it,
/// and when they changed by more than 10 % the growth is also given from a minute after they last settled
/// (<c>Steady…</c>), the part that a leak, not a heavier load, would explain.
/// </summary>
internal sealed record RssGrowth(string Process, int Pid, double FromSeconds, double ToSeconds, double FromMb, double ToMb, double GrowthPercent,
    int? FromConnections = null, int? ToConnections = null, double? SteadyFromSeconds = null, double? SteadyFromMb = null, double? SteadyGrowthPercent = null);

internal sealed record Bucket(double At, double AckedPerSecond, double? P99AckMs);

/// <summary>report.json: what the run did and measured, and which invariants broke (none, when <see cref="Passed"/>).</summary>
internal sealed class Report
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required DateTimeOffset StartedAt { get; init; }

    public required double Minutes { get; init; }

    public required int Seed { get; init; }

    public required object Load { get; init; }

    public required IReadOnlyList<string> PlannedProcesses { get; init; }

    public required IReadOnlyList<string> RunningAtEnd { get; init; }

    public required IReadOnlyList<FaultRecord> Faults { get; init; }

    public required IReadOnlyDictionary<string, int> FaultsByKind { get; init; }

    /// <summary>Seconds from each fault's start until every sender had an ack again.</summary>
    public required Percentiles Recovery { get; init; }

    /// <summary>
    /// The goal's measure: seconds until every sender had an ack again, from the kill or restart for a process fault and
    /// from the window's end for a storage freeze (<see cref="FaultRecord.AfterWindowSeconds"/>).
    /// </summary>
    public required Percentiles RecoveryAfterFault { get; init; }

    public required double ConvergeWithinSeconds { get; init; }

    public required long Acked { get; init; }

    /// <summary>Messages acked per second of sending (retries and held messages aside): the offered load as it arrived.</summary>
    public required double AckedPerSecond { get; init; }

    /// <summary>Messages shown by the clients (every client counts the messages of its channel, its own included) per second of sending.</summary>
    public required double DeliveriesPerSecond { get; init; }

    /// <summary>Cores each process used on average while the load ran (processes that a fault restarted are left out).</summary>
    public required IReadOnlyDictionary<string, double> CpuCores { get; init; }

    /// <summary>The whole machine's busy share over the load: this run and whatever else the box was doing.</summary>
    public required double MachineBusyPercent { get; init; }

    public required long Lost { get; init; }

    public required long Duplicates { get; init; }

    public required long Held { get; init; }

    public required long UnackedAtEnd { get; init; }

    /// <summary>Stored but never acked to the sender (it gave up at the end): allowed, and not lost.</summary>
    public required long StoredWithoutAck { get; init; }

    public required Percentiles AckLatencyMs { get; init; }

    public required IReadOnlyDictionary<string, long> History { get; init; }

    public required IReadOnlyList<string> ChannelsWithGaps { get; init; }

    public required IReadOnlyDictionary<string, int> ErrorsByCode { get; init; }

    public required IReadOnlyDictionary<string, int> TransportErrors { get; init; }

    public required IReadOnlyList<string> DocumentedCodes { get; init; }

    public required int Listeners { get; init; }

    public required int Reconnects { get; init; }

    public required int GapRejoins { get; init; }

    /// <summary>Reconnects of fans that left on their own (churn), not because their gateway went.</summary>
    public required int Churned { get; init; }

    public required bool ConvergedAtEnd { get; init; }

    public required IReadOnlyList<string> BehindAtEnd { get; init; }

    public required double RssWarmupSeconds { get; init; }

    public required IReadOnlyList<RssGrowth> RssGrowth { get; init; }

    public required IReadOnlyList<Bucket> Timeline { get; init; }

    public required IReadOnlyList<RssSample> RssSamples { get; init; }

    public required IReadOnlyList<string> Violations { get; init; }

    public bool Passed => Violations.Count == 0;

    /// <summary>Faults that are a window of unavailability by design (storage frozen): recovery counts from their end.</summary>
    private static readonly HashSet<string> Windowed = new([FaultKinds.AzuriteFreeze], StringComparer.Ordinal);

    public static Report Build(ReportInput i)
    {
        var acks = i.Recorder.Acks.OrderBy(a => a.AckAt).ToList();
        var errors = i.Recorder.Errors.ToList();
        var violations = new List<string>();

        foreach (var fault in i.Faults)
        {
            // Each sender's first ack after the fault started; the slowest sender's wait counts, from `from` on (a sender
            // acked within a freeze's window, before it took hold, waited nothing after the window).
            var firstAcks = acks.GroupBy(a => a.Sender).Select(g => g.FirstOrDefault(a => a.AckAt > fault.StartedAt)).OfType<AckRecord>().ToList();
            double? Slowest(double from) => firstAcks.Count == 0 ? null : Math.Round(firstAcks.Max(a => Math.Max(0, a.AckAt - Math.Max(from, a.FirstAttemptAt))), 2);
            fault.RecoverySeconds = Slowest(fault.StartedAt);
            fault.AfterWindowSeconds = Windowed.Contains(fault.Kind) ? Slowest(fault.EndedAt) : null;
        }

        var byMessageId = i.History.Values.SelectMany(h => h).GroupBy(m => m.MessageId).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var history = i.History.Values.SelectMany(h => h.Select(m => m)).ToList();
        var lost = acks.Where(a => !a.Held && !i.History[a.Channel].Any(m => m.MessageId == a.MessageId && m.Seq == a.Seq)).ToList();
        var duplicates = history.GroupBy(m => m.Text).Sum(g => g.Count() - 1) + byMessageId.Values.Sum(c => c - 1);
        var ackedIds = acks.Select(a => a.ClientMessageId).ToHashSet(StringComparer.Ordinal);
        var storedWithoutAck = history.Count(m => m.Text.StartsWith("chaos ", StringComparison.Ordinal) && !ackedIds.Contains(m.Text[6..]));
        var gaps = i.History.Where(h => !h.Value.Select(m => m.Seq).SequenceEqual(Enumerable.Range(1, h.Value.Count).Select(n => (long)n))).Select(h => h.Key).ToList();
        var refusals = errors.Where(e => e.Kind == "refusal").GroupBy(e => e.Code).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var transport = errors.Where(e => e.Kind == "transport").GroupBy(e => e.Code).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var held = acks.Count(a => a.Held);

        if (acks.Count == 0)
        {
            violations.Add("no send was acked: the load did not run");
        }

        if (lost.Count > 0)
        {
            violations.Add($"{lost.Count} acked messages are not in history, e.g. {string.Join(", ", lost.Take(5).Select(a => $"{a.Channel}#{a.Seq} {a.ClientMessageId}"))}");
        }

        if (duplicates > 0)
        {
            violations.Add($"{duplicates} messages are in history more than once");
        }

        if (held > 0)
        {
            violations.Add($"{held} sends were held by moderation: the run's texts must pass it");
        }

        violations.AddRange(gaps.Select(c => $"channel {c}: seq is not 1..N without gaps"));
        violations.AddRange(refusals.Keys.Where(c => !i.Documented.Contains(c)).Select(c => $"a send was refused with '{c}', which docs/api.md does not document"));
        violations.AddRange(i.Faults.Where(f => !f.Converged).Select(f => $"{f.Kind} {f.Target} at {f.StartedAt:0.0}s: {f.ListenersBehind} listeners had not converged {i.Options.ConvergeWithin.TotalSeconds:0} s after it ended"));
        violations.AddRange(i.Faults.Where(f => f.Failure is not null).Select(f => $"{f.Kind} {f.Target} at {f.StartedAt:0.0}s: {f.Failure}"));
        violations.AddRange(i.Faults.Where(f => f.RecoverySeconds is null).Select(f => $"{f.Kind} {f.Target} at {f.StartedAt:0.0}s: no send was acked after it"));
        if (i.BehindAtEnd.Count > 0)
        {
            violations.Add($"{i.BehindAtEnd.Count} listeners had not converged on the full history {i.Options.ConvergeWithin.TotalSeconds:0} s after the sends ended, e.g. {string.Join("; ", i.BehindAtEnd.Take(3))}");
        }

        var missing = i.Plan.Except(i.RunningAtEnd).ToList();
        if (missing.Count > 0)
        {
            violations.Add($"not running at the end: {string.Join(", ", missing)}");
        }

        var total = i.Options.Minutes * 60;
        var warmup = Math.Clamp(total * 0.25, 30, 300);
        var rss = i.Recorder.Rss.ToList();
        return new Report
        {
            StartedAt = i.StartedAt,
            Minutes = i.Options.Minutes,
            Seed = i.Options.Seed,
            Load = new
            {
                channels = i.Options.Channels,
                clientsPerChannel = i.Options.ClientsPerChannel,
                hotListeners = i.Options.HotListeners,
                hotSenders = i.Options.HotSenders,
                sendIntervalMs = i.Options.SendInterval.TotalMilliseconds,
                gateways = i.Options.GatewayCount,
                silos = i.Options.Silos,
                faultKinds = i.Options.Faults,
            },
            PlannedProcesses = i.Plan,
            RunningAtEnd = i.RunningAtEnd,
            Faults = i.Faults,
            FaultsByKind = i.Faults.GroupBy(f => f.Kind).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            Recovery = Of(i.Faults.Where(f => f.RecoverySeconds is not null).Select(f => f.RecoverySeconds!.Value)),
            RecoveryAfterFault = Of(i.Faults.Select(f => Windowed.Contains(f.Kind) ? f.AfterWindowSeconds : f.RecoverySeconds).OfType<double>()),
            ConvergeWithinSeconds = i.Options.ConvergeWithin.TotalSeconds,
            Acked = acks.Count - held,
            AckedPerSecond = i.EndOfSends > 0 ? Math.Round((acks.Count - held) / i.EndOfSends, 1) : 0,
            DeliveriesPerSecond = i.EndOfSends > 0 ? Math.Round(i.Delivered / i.EndOfSends, 1) : 0,
            CpuCores = i.CpuCores,
            MachineBusyPercent = i.MachineBusyPercent,
            Lost = lost.Count,
            Duplicates = duplicates,
            Held = held,
            UnackedAtEnd = Interlocked.Read(ref i.Recorder.Unacked),
            StoredWithoutAck = storedWithoutAck,
            AckLatencyMs = Of(acks.Select(a => (a.AckAt - a.FirstAttemptAt) * 1000)),
            History = i.History.ToDictionary(h => h.Key, h => (long)h.Value.Count, StringComparer.Ordinal),
            ChannelsWithGaps = gaps,
            ErrorsByCode = refusals,
            TransportErrors = transport,
            DocumentedCodes = [.. i.Documented.Order(StringComparer.Ordinal)],
            Listeners = i.Listeners,
            Reconnects = i.Reconnects,
            GapRejoins = i.GapRejoins,
            Churned = i.Churned,
            ConvergedAtEnd = i.BehindAtEnd.Count == 0,
            BehindAtEnd = i.BehindAtEnd,
            RssWarmupSeconds = warmup,
            RssGrowth = Growth(rss, warmup),
            Timeline = BuildTimeline(acks, i.EndOfSends),
            RssSamples = rss,
            Violations = violations,
        };
    }

    private static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        double? At(double p) => sorted.Length == 0 ? null : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 2);
        return new Percentiles(At(0.5), At(0.95), sorted.Length == 0 ? null : Math.Round(sorted[^1], 2));
    }

    /// <summary>
    /// Per process incarnation (a restarted process starts again), RSS after its warm-up against its end: only
    /// incarnations that lived at least twice the warm-up count, shorter ones say nothing about a leak. Each end is the
    /// mean of a minute of samples, because a process's RSS saws up and down between collections (Azurite's by a quarter
    /// every few seconds), and one sample against another would report the saw as growth or shrinkage.
    /// </summary>
    private static List<RssGrowth> Growth(List<RssSample> samples, double warmup)
    {
        var result = new List<RssGrowth>();
        foreach (var life in samples.GroupBy(s => (s.Process, s.Pid)))
        {
            var ordered = life.OrderBy(s => s.At).ToList();
            var from = ordered.FirstOrDefault(s => s.At >= ordered[0].At + warmup);
            if (from is null || ordered[^1].At - from.At < warmup)
            {
                continue;
            }

            var first = MinuteFrom(ordered, from.At);
            var last = ordered.Where(s => s.At > ordered[^1].At - RssWindowSeconds).Average(s => (double)s.Bytes);
            var growth = new RssGrowth(life.Key.Process, life.Key.Pid, from.At, ordered[^1].At, Math.Round(first / 1048576.0, 1), Math.Round(last / 1048576.0, 1),
                Math.Round((last - first) * 100.0 / first, 1), from.Connections, ordered[^1].Connections);
            if (SteadySince(ordered, from, warmup) is { } steady)
            {
                var steadyFrom = MinuteFrom(ordered, steady.At);
                growth = growth with
                {
                    SteadyFromSeconds = steady.At,
                    SteadyFromMb = Math.Round(steadyFrom / 1048576.0, 1),
                    SteadyGrowthPercent = Math.Round((last - steadyFrom) * 100.0 / steadyFrom, 1),
                };
            }

            result.Add(growth);
        }

        return [.. result.OrderBy(r => r.Process, StringComparer.Ordinal).ThenBy(r => r.FromSeconds)];
    }

    private const double RssWindowSeconds = 60;

    private static double MinuteFrom(List<RssSample> ordered, double at) =>
        ordered.Where(s => s.At >= at && s.At < at + RssWindowSeconds).Average(s => (double)s.Bytes);

    /// <summary>
    /// For a gateway whose connections changed by more than 10 % after its warm-up: the first sample a minute after they
    /// last came within 10 % of their final count, if at least a warm-up's length of samples follows it.
    /// </summary>
    private static RssSample? SteadySince(List<RssSample> ordered, RssSample from, double warmup)
    {
        if (ordered[^1].Connections is not { } final || from.Connections is not { } first || Near(first))
        {
            return null;
        }

        bool Near(int connections) => Math.Abs(connections - final) <= 0.1 * Math.Max(final, 1);
        var settled = ordered.Count - 1;
        while (settled > 0 && ordered[settled - 1].Connections is { } n && Near(n))
        {
            settled--;
        }

        var steady = ordered.FirstOrDefault(s => s.At >= Math.Max(ordered[settled].At + 60, from.At));
        return steady is not null && ordered[^1].At - steady.At >= warmup ? steady : null;
    }

    private static List<Bucket> BuildTimeline(List<AckRecord> acks, double end)
    {
        const double Width = 5;
        var buckets = new List<Bucket>();
        // Whole buckets only: a last, partial one would read as a drop in throughput.
        for (var at = 0.0; at + Width <= end; at += Width)
        {
            var inside = acks.Where(a => a.AckAt >= at && a.AckAt < at + Width).Select(a => (a.AckAt - a.FirstAttemptAt) * 1000).Order().ToArray();
            buckets.Add(new Bucket(at, inside.Length / Width, inside.Length == 0 ? null : Math.Round(inside[Math.Min(inside.Length - 1, (int)Math.Ceiling(0.99 * inside.Length) - 1)], 1)));
        }

        return buckets;
    }

    public void Write(string dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "report.json"), JsonSerializer.Serialize(this, Json));
        Charts.Write(this, dir);
    }

    public string Summary()
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.AppendLine(c, $"chaos run: {Minutes} min, seed {Seed}, {Listeners} clients, processes planned {PlannedProcesses.Count}, running at the end {RunningAtEnd.Count}");
        s.AppendLine(c, $"faults: {Faults.Count} ({string.Join(", ", FaultsByKind.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}"))})");
        s.AppendLine(c, $"sends succeed again after a fault (s; from a freeze's end): p50 {RecoveryAfterFault.P50} p95 {RecoveryAfterFault.P95} max {RecoveryAfterFault.Max}; from each fault's start: p50 {Recovery.P50} p95 {Recovery.P95} max {Recovery.Max}");
        s.AppendLine(c, $"acked {Acked}, lost {Lost}, duplicates {Duplicates}, held {Held}, unacked at the end {UnackedAtEnd}, stored without ack {StoredWithoutAck}");
        s.AppendLine(c, $"load: {AckedPerSecond} messages/s acked, {DeliveriesPerSecond} deliveries/s shown by the clients");
        s.AppendLine(c, $"CPU (cores, average over the load): {string.Join(", ", CpuCores.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}"))}; machine busy {MachineBusyPercent}% ({Environment.ProcessorCount} cores, other work included)");
        s.AppendLine(c, $"ack latency incl. retries (ms): p50 {AckLatencyMs.P50} p95 {AckLatencyMs.P95} max {AckLatencyMs.Max}");
        s.AppendLine(c, $"refusals by code: {(ErrorsByCode.Count == 0 ? "none" : string.Join(", ", ErrorsByCode.Select(e => $"{e.Key} {e.Value}")))}; transport errors: {(TransportErrors.Count == 0 ? "none" : string.Join(", ", TransportErrors.Select(e => $"{e.Key} {e.Value}")))}");
        s.AppendLine(c, $"listeners converged after every fault (within {ConvergeWithinSeconds} s): {(Faults.All(f => f.Converged) ? "yes" : "NO")}; at the end: {(ConvergedAtEnd ? "yes" : "NO")}; reconnects {Reconnects} ({Churned} of them churn), gap rejoins {GapRejoins}");
        s.AppendLine(c, $"RSS growth after {RssWarmupSeconds} s warm-up: {(RssGrowth.Count == 0 ? "no process lived long enough to tell" : string.Join(", ", RssGrowth.Select(g => $"{g.Process} {g.FromMb}→{g.ToMb} MB ({g.GrowthPercent:+0.0;-0.0}%{(g.FromConnections is null ? "" : $"; connections {g.FromConnections}→{g.ToConnections}")}{(g.SteadyGrowthPercent is null ? "" : $"; since its connections settled at {g.SteadyFromSeconds:0} s: {g.SteadyFromMb}→{g.ToMb} MB, {g.SteadyGrowthPercent:+0.0;-0.0}%")})")))}");
        s.Append(Passed ? "invariants: all held" : $"INVARIANTS BROKEN:\n  {string.Join("\n  ", Violations)}");
        return s.ToString();
    }
}
