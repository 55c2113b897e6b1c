using System.Globalization;

namespace CommunityScale.Chaos;

/// <summary>What <c>./scripts/chaos</c> passes: the cluster to work on and the shape of the load.</summary>
internal sealed record Options
{
    public double Minutes { get; init; } = 30;

    public int Seed { get; init; } = Environment.TickCount;

    public IReadOnlyList<Uri> Gateways { get; init; } = [];

    /// <summary>The local cluster's pid files (<c>.run/local-cluster-BASE</c>).</summary>
    public string StateDir { get; init; } = "";

    public string Out { get; init; } = "";

    public string RepoRoot { get; init; } = "";

    public int Silos { get; init; } = 2;

    public int GatewayCount => Gateways.Count;

    // About half the box's measured peak (./scripts/chaos's help has the figures): many channels of a few clients and one
    // hot channel of 2,000 listeners, on the 2 shared cores that also run 2 silos, 3 gateways, Redis and Azurite. The
    // 2-minute test passes a smaller load (--channels, --hot-listeners) to stay fast.
    public int Channels { get; init; } = 36;

    public int ClientsPerChannel { get; init; } = 3;

    public int HotListeners { get; init; } = 2000;

    public int HotSenders { get; init; } = 3;

    /// <summary>Between one sender's messages: 0.5 per second stays inside the 5-per-5-s member limit with retries.</summary>
    public TimeSpan SendInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The fault kinds the schedule draws from (<c>--faults a,b</c>; all six by default). A soak for memory leaves out the
    /// process faults, so every silo and gateway lives through the run and its RSS can be followed.
    /// </summary>
    public IReadOnlyList<string> Faults { get; init; } = FaultKinds.All;

    /// <summary>
    /// The share of clients that leave and come back each minute on their own (<c>--churn-per-minute</c>): fans close the
    /// tab and return, so gateways see connections come and go, and a restarted gateway gets clients again.
    /// </summary>
    public double ChurnPerMinute { get; init; } = 0.05;

    /// <summary>How long after a fault ends every listener must have shown every message acked by then.</summary>
    public TimeSpan ConvergeWithin { get; init; } = TimeSpan.FromSeconds(60);

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--minutes" => o with { Minutes = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--seed" => o with { Seed = Int() },
                "--gateways" => o with { Gateways = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u))] },
                "--state-dir" => o with { StateDir = Value() },
                "--out" => o with { Out = Value() },
                "--repo" => o with { RepoRoot = Value() },
                "--silos" => o with { Silos = Int() },
                "--channels" => o with { Channels = Int() },
                "--clients-per-channel" => o with { ClientsPerChannel = Int() },
                "--hot-listeners" => o with { HotListeners = Int() },
                "--hot-senders" => o with { HotSenders = Int() },
                "--send-interval-ms" => o with { SendInterval = TimeSpan.FromMilliseconds(Int()) },
                "--churn-per-minute" => o with { ChurnPerMinute = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--faults" => o with { Faults = Kinds(Value()) },
                "--converge-within-seconds" => o with { ConvergeWithin = TimeSpan.FromSeconds(Int()) },
                _ => throw new ArgumentException($"unknown option '{args[i]}'"),
            };
        }

        if (o.Gateways.Count == 0 || o.StateDir.Length == 0 || o.Out.Length == 0 || o.RepoRoot.Length == 0)
        {
            throw new ArgumentException("--gateways, --state-dir, --out and --repo are required (./scripts/chaos passes them)");
        }

        if (o.ChurnPerMinute is < 0 or > 1)
        {
            throw new ArgumentException("--churn-per-minute is a share of the clients, 0 to 1");
        }

        if (o.Minutes < 1)
        {
            throw new ArgumentException("--minutes is at least 1: a fault needs its time to recover in");
        }

        return o;
    }

    private static string[] Kinds(string list)
    {
        var kinds = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = kinds.Except(FaultKinds.All, StringComparer.Ordinal).ToList();
        return kinds.Length == 0 || unknown.Count > 0
            ? throw new ArgumentException($"--faults takes a comma-separated list of {string.Join(", ", FaultKinds.All)}; not '{list}'")
            // In FaultKinds.All's order, so a seed with all kinds listed draws the same schedule as the default.
            : [.. FaultKinds.All.Where(kinds.Contains)];
    }
}
