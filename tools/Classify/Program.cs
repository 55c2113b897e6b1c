using System.Globalization;
using System.Text;
using CommunityScale.TextModels;

// ./scripts/classify moderation|sentiment: one text per line on stdin, "label<TAB>score" per line on stdout, with the
// shipped models and the silo's own code (ShippedModels). Moderation: spam, abuse or ok at the measured operating point,
// and the score a community's classifierThreshold is compared with. Sentiment: negative, neutral or positive, and its
// probability.
if (args.Length != 1 || args[0] is not ("moderation" or "sentiment"))
{
    await Console.Error.WriteLineAsync("usage: classify moderation|sentiment  (one text per line on stdin)");
    return 2;
}

string? Setting(string key) => Environment.GetEnvironmentVariable(key.Replace(":", "__", StringComparison.Ordinal));
Func<string, (string Label, float Score)> classify;
if (args[0] == "moderation")
{
    var classifier = ShippedModels.Moderation(Setting);
    classify = text => classifier.Score(text) is var s ? (s.Label, s.Score) : default;
}
else
{
    var classifier = ShippedModels.Sentiment(Setting);
    classify = text => classifier.Score(text) is var s ? (s.Label, s.Score) : default;
}

Console.InputEncoding = Encoding.UTF8;
using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };
while (await Console.In.ReadLineAsync() is { } line)
{
    var (label, score) = classify(line);
    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{label}\t{score:0.0000}"));
}

return 0;
