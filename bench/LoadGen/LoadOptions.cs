using System.Globalization;

namespace CommunityScale.Bench;

/// <summary>Command-line flags: <c>--url http://127.0.0.1:5080 --clients 1000 --senders 5 --rate 50 --seconds 20</c>.</summary>
public sealed record LoadOptions(string Mode, Uri Url, int Clients, int Senders, double Rate, int Seconds, int WarmupSeconds, string Output)
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
            new Uri(Get("url", "http://127.0.0.1:5080")),
            Int("clients", 1000),
            Int("senders", 5),
            double.Parse(Get("rate", "50"), CultureInfo.InvariantCulture),
            Int("seconds", 20),
            Int("warmup", 3),
            Get("output", Path.Combine("bench", "results", "latest.json")));
        if (options.Clients < 1 || options.Senders < 1 || options.Rate <= 0 || options.Seconds < 1)
        {
            throw new ArgumentException("clients, senders, rate and seconds must be positive.");
        }

        return options;
    }
}
