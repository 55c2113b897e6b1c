using System.Globalization;

namespace CommunityScale.Bench;

/// <summary>
/// The silo's storage counters, scraped from its Prometheus endpoint (<c>Telemetry__Prometheus=true</c>): what went to
/// storage and how many messages it stored. The exporter appends the unit and <c>_total</c> to a counter's name
/// (<c>chat.journal.bytes</c> may come out as <c>chat_journal_bytes_bytes_total</c>), so names are matched by prefix and
/// every label set is summed. A counter nothing has added to yet is absent from the scrape: it counts as zero.
/// </summary>
internal sealed record StorageCounters(double JournalBytes, double StateBytes, double MessagesStored, double JournalWrites,
    IReadOnlyDictionary<string, double> WritesByGrain, IReadOnlyDictionary<string, double> ReadsByGrain, IReadOnlyDictionary<string, double> BytesByGrain)
{
    /// <summary>CommunityScale.Chat: serialized message bytes inserted into the journal.</summary>
    private const string JournalPrefix = "chat_journal_bytes";

    /// <summary>CommunityScale.Storage: serialized grain state bytes written to Azure Table.</summary>
    private const string StatePrefix = "storage_state_written";

    /// <summary>CommunityScale.Chat: messages durably stored and acked.</summary>
    private const string StoredPrefix = "chat_messages_stored";

    /// <summary>CommunityScale.Chat: journal storage operations.</summary>
    private const string JournalWritesPrefix = "chat_journal_writes";

    /// <summary>CommunityScale.Storage: grain state writes and reads, by the label <c>grain</c> (the grain type).</summary>
    private const string StateWritesPrefix = "storage_state_writes";

    private const string StateReadsPrefix = "storage_state_reads";

    private static readonly HashSet<string> Reported = new(StringComparer.Ordinal);

    public static readonly StorageCounters Zero = new(0, 0, 0, 0, new Dictionary<string, double>(), new Dictionary<string, double>(), new Dictionary<string, double>());

    public static async Task<StorageCounters> Scrape(HttpClient http, Uri metrics)
    {
        var text = await http.GetStringAsync(metrics);
        var samples = Parse(text);
        return new StorageCounters(Sum(samples, JournalPrefix), Sum(samples, StatePrefix), Sum(samples, StoredPrefix), Sum(samples, JournalWritesPrefix),
            ByGrain(samples, StateWritesPrefix), ByGrain(samples, StateReadsPrefix), ByGrain(samples, StatePrefix));
    }

    public StorageCounters Minus(StorageCounters before) =>
        new(JournalBytes - before.JournalBytes, StateBytes - before.StateBytes, MessagesStored - before.MessagesStored, JournalWrites - before.JournalWrites,
            Difference(WritesByGrain, before.WritesByGrain), Difference(ReadsByGrain, before.ReadsByGrain), Difference(BytesByGrain, before.BytesByGrain));

    /// <summary>Storage operations in the window: journal operations plus grain state writes and reads.</summary>
    public double Operations => JournalWrites + WritesByGrain.Values.Sum() + ReadsByGrain.Values.Sum();

    private static Dictionary<string, double> Difference(IReadOnlyDictionary<string, double> now, IReadOnlyDictionary<string, double> before) =>
        now.ToDictionary(p => p.Key, p => p.Value - before.GetValueOrDefault(p.Key), StringComparer.Ordinal);

    /// <summary>A counter's value per <c>grain</c> label (summed over its other labels).</summary>
    private static Dictionary<string, double> ByGrain(List<(string Name, double Value)> samples, string prefix)
    {
        var byGrain = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, value) in samples)
        {
            var brace = name.IndexOf('{', StringComparison.Ordinal);
            var bare = brace < 0 ? name : name[..brace];
            if (!bare.StartsWith(prefix, StringComparison.Ordinal) || !bare.EndsWith("_total", StringComparison.Ordinal))
            {
                continue;
            }

            var at = name.IndexOf("grain=\"", StringComparison.Ordinal);
            var grain = at < 0 ? "?" : name[(at + 7)..name.IndexOf('"', at + 7)];
            byGrain[grain] = byGrain.GetValueOrDefault(grain) + value;
        }

        return byGrain;
    }

    /// <summary>(metric name, value) of every sample line; comments and blank lines are skipped.</summary>
    private static List<(string Name, double Value)> Parse(string text)
    {
        var samples = new List<(string, double)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            // "name{labels} value [timestamp]": the value is the first token after the name and its labels.
            var nameEnd = line.IndexOfAny(['{', ' ']);
            var afterLabels = line[nameEnd] == '{' ? line.IndexOf('}', nameEnd) + 1 : nameEnd;
            var tokens = line[afterLabels..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (nameEnd > 0 && tokens.Length > 0 && double.TryParse(tokens[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                // The labels stay on the name (ByGrain reads them); Sum compares the part before them.
                samples.Add((line[..afterLabels], value));
            }
        }

        return samples;
    }

    /// <summary>Counters only (<c>_total</c>): the sum over label sets. Prints, once per name, what the prefix matched.</summary>
    private static double Sum(List<(string Name, double Value)> samples, string prefix)
    {
        var matched = samples.Select(s => (Name: BareName(s.Name), s.Value))
            .Where(s => s.Name.StartsWith(prefix, StringComparison.Ordinal) && s.Name.EndsWith("_total", StringComparison.Ordinal)).ToList();
        foreach (var name in matched.Select(s => s.Name).Distinct())
        {
            lock (Reported)
            {
                if (Reported.Add(name))
                {
                    Console.WriteLine($"  (storage counter: {prefix}* matched {name})");
                }
            }
        }

        return matched.Sum(s => s.Value);
    }

    private static string BareName(string name)
    {
        var brace = name.IndexOf('{', StringComparison.Ordinal);
        return brace < 0 ? name : name[..brace];
    }
}
