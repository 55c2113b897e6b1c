using System.Globalization;

namespace CommunityScale.Bench;

/// <summary>
/// Command-line flags, e.g. <c>--mode fanout --scenario fanout-1k --role ours --url http://127.0.0.1:5080 --clients 1000
/// --protocol json --pids 123,456</c>. <c>--bare</c>: the target is a baseline (bench/BareSignalR or bench/NaiveFanout): no sign-in, no REST set-up.
/// <c>--pids</c>: the connection process first, then the silo, then the storage process (our system: gateway, silo, Azurite).
/// <c>--reference-rate</c>: the fixed offered rate (msg/s, the same for both targets) of the step that measures latency and
/// server CPU per accepted message (default: 10,000 deliveries/s), <c>--reference-seconds</c> its length (default: a
/// step's; also each step of <c>--mode sizes</c>), <c>--cpu-goal-us</c> the goal for CPU per message net of the fan-out
/// (reported, never asserted).
/// <c>--metrics-url</c>: the silo's Prometheus endpoint, for the bytes sent to storage per message.
/// <c>--saturation</c> with <c>--compare-rates</c>: a fan-out measured by saturated throughput (see <see cref="FanoutRun"/>).
/// <c>--sizes</c>: the channel sizes of <c>--mode sizes</c> (see <see cref="ChannelSizeRun"/>).
/// <c>--mode cluster</c> (see <see cref="ClusterRun"/>): <c>--urls</c> every gateway (clients spread evenly over them),
/// <c>--processes</c> listener processes holding the clients, <c>--gateways</c> how many of <c>--pids</c> (first) are
/// gateways, <c>--channels</c> and <c>--senders</c> (spread over the gateways) as in a fan-out. <c>--mode listen</c> is such
/// a listener: clients <c>--first</c>.. of the run <c>--community</c>'s <c>--channels</c> (see <see cref="ChannelLayout"/>);
/// with <c>--sign-in-first</c> it signs every client in, answers <c>signed-in</c> and connects on the order <c>connect</c>
/// (heap dumps around the connects then hold no sign-in: docs/performance.md, "Finding where memory goes").
/// </summary>
public sealed record LoadOptions(
    string Mode,
    string Scenario,
    string Role,
    string BaselineName,
    Uri Url,
    bool Bare,
    string Protocol,
    int Clients,
    int Senders,
    IReadOnlyList<double> Rates,
    int StepSeconds,
    int WarmupSeconds,
    IReadOnlyList<int> ServerPids,
    string ResultsDir,
    string Notes,
    int Channels,
    string From,
    double? ReferenceRate,
    int ReferenceSeconds,
    Uri? MetricsUrl,
    bool Saturation,
    IReadOnlyList<double> CompareRates,
    IReadOnlyList<int> Sizes,
    double? CpuGoalUs,
    IReadOnlyList<Uri> Urls,
    int Processes,
    int Gateways,
    int First,
    string Community,
    bool SignInFirst)
{
    public static LoadOptions Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, $"--{name}");
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        List<double> Doubles(string name, string fallback) =>
            [.. Get(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => double.Parse(r, CultureInfo.InvariantCulture))];
        double? Optional(string name) => Get(name, "") is { Length: > 0 } value ? double.Parse(value, CultureInfo.InvariantCulture) : null;

        var stepSeconds = Int("step-seconds", 5);
        var metricsUrl = Get("metrics-url", "");

        var options = new LoadOptions(
            Get("mode", "fanout"),
            Get("scenario", "fanout-1k"),
            Get("role", "ours"),
            Get("baseline-name", "bare-signalr"),
            new Uri(Get("url", "http://127.0.0.1:5080")),
            args.Contains("--bare"),
            Get("protocol", "json"),
            Int("clients", 1000),
            Int("senders", 5),
            Doubles("rates", "10,20,40,80,160,320"),
            stepSeconds,
            Int("warmup", 3),
            [.. Get("pids", "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))],
            Get("results", Path.Combine("bench", "results")),
            Get("notes", ""),
            Int("channels", 1),
            Get("from", ""),
            Optional("reference-rate"),
            Int("reference-seconds", stepSeconds),
            metricsUrl.Length > 0 ? new Uri(metricsUrl) : null,
            args.Contains("--saturation"),
            Doubles("compare-rates", ""),
            [.. Get("sizes", "1000,5000,10000").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture))],
            Optional("cpu-goal-us"),
            [.. Get("urls", Get("url", "http://127.0.0.1:5080")).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u))],
            Int("processes", 1),
            Int("gateways", 1),
            Int("first", 0),
            Get("community", ""),
            args.Contains("--sign-in-first"));
        // A listener holds a share of a run's clients, which need not divide into its channels.
        if (options.Channels < 1 || (options.Mode != "listen" && options.Clients % options.Channels != 0))
        {
            throw new ArgumentException("channels must be positive and divide clients.");
        }

        if (options.Clients < 1 || options.Senders < 1 || options.Rates.Count == 0 || options.Rates.Concat(options.CompareRates).Any(r => r <= 0)
            || options.StepSeconds < 1 || options.ReferenceSeconds < 1 || options.ReferenceRate <= 0 || options.Sizes.Any(n => n < 1))
        {
            throw new ArgumentException("clients, senders, rates, compare-rates, reference-rate, sizes, step-seconds and reference-seconds must be positive.");
        }

        if (options.Saturation && options.CompareRates.Count == 0)
        {
            throw new ArgumentException("--saturation needs --compare-rates (the offered rates at which both targets' latency is compared).");
        }

        if (options.Processes < 1 || options.Gateways < 1 || options.First < 0 || options.Urls.Count == 0)
        {
            throw new ArgumentException("processes and gateways must be positive, first non-negative, and urls not empty.");
        }

        if (options.Protocol is not ("json" or "messagepack"))
        {
            throw new ArgumentException("--protocol is json or messagepack.");
        }

        return options;
    }
}
