using System.Globalization;

namespace CommunityScale.Bench;

/// <summary>
/// Command-line flags, e.g. <c>--mode fanout --scenario fanout-1k --role ours --url http://127.0.0.1:5080 --clients 1000
/// --protocol json --pids 123,456</c>. <c>--bare</c>: the target is a baseline (bench/BareSignalR or bench/NaiveFanout): no sign-in, no REST set-up.
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
    string From)
{
    public static LoadOptions Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, $"--{name}");
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

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
            [.. Get("rates", "10,20,40,80,160,320").Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture))],
            Int("step-seconds", 5),
            Int("warmup", 3),
            [.. Get("pids", "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))],
            Get("results", Path.Combine("bench", "results")),
            Get("notes", ""),
            Int("channels", 1),
            Get("from", ""));
        if (options.Channels < 1 || options.Clients % options.Channels != 0)
        {
            throw new ArgumentException("channels must be positive and divide clients.");
        }

        if (options.Clients < 1 || options.Senders < 1 || options.Rates.Count == 0 || options.Rates.Any(r => r <= 0) || options.StepSeconds < 1)
        {
            throw new ArgumentException("clients, senders, rates and step-seconds must be positive.");
        }

        if (options.Protocol is not ("json" or "messagepack"))
        {
            throw new ArgumentException("--protocol is json or messagepack.");
        }

        return options;
    }
}
