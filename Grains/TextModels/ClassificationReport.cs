using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CommunityScale.TextModels;

/// <summary>Precision, recall and F1 per class, macro-F1, macro-recall and accuracy of (gold, predicted) label pairs.</summary>
public static class ClassificationReport
{
    /// <summary>
    /// Classes are those of the gold labels (a class only ever predicted counts against precision elsewhere but has no
    /// recall to average). Accuracy equals micro-F1 for one label per example.
    /// </summary>
    public static JsonObject Measure(IReadOnlyList<(string Gold, string Predicted)> pairs)
    {
        var classes = pairs.Select(p => p.Gold).Distinct().Order(StringComparer.Ordinal).ToList();
        var perClass = new JsonObject();
        double f1Sum = 0, recallSum = 0;
        foreach (var label in classes)
        {
            var truePositive = pairs.Count(p => p.Gold == label && p.Predicted == label);
            var predicted = pairs.Count(p => p.Predicted == label);
            var support = pairs.Count(p => p.Gold == label);
            var precision = predicted == 0 ? 0 : (double)truePositive / predicted;
            var recall = support == 0 ? 0 : (double)truePositive / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            f1Sum += f1;
            recallSum += recall;
            perClass[label] = new JsonObject
            {
                ["precision"] = Round(precision),
                ["recall"] = Round(recall),
                ["f1"] = Round(f1),
                ["support"] = support,
            };
        }

        return new JsonObject
        {
            ["examples"] = pairs.Count,
            ["accuracy"] = Round(pairs.Count == 0 ? 0 : (double)pairs.Count(p => p.Gold == p.Predicted) / pairs.Count),
            ["macro_f1"] = Round(classes.Count == 0 ? 0 : f1Sum / classes.Count),
            ["macro_recall"] = Round(classes.Count == 0 ? 0 : recallSum / classes.Count),
            ["classes"] = perClass,
        };
    }

    /// <summary>The report of everything, then per source file and per language.</summary>
    public static JsonObject ByFileAndLanguage(IReadOnlyList<LabelledText> examples, IReadOnlyList<string> predicted)
    {
        var pairs = examples.Select((e, i) => (Example: e, Predicted: predicted[i])).ToList();
        JsonObject Part(IEnumerable<(LabelledText Example, string Predicted)> part) => Measure([.. part.Select(p => (p.Example.Label, p.Predicted))]);
        var files = new JsonObject();
        foreach (var file in pairs.GroupBy(p => p.Example.File).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            files[file.Key] = Part(file);
        }

        var languages = new JsonObject();
        foreach (var language in pairs.GroupBy(p => p.Example.Language).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            languages[language.Key] = Part(language);
        }

        return new JsonObject { ["overall"] = Part(pairs), ["files"] = files, ["languages"] = languages };
    }

    public static string ToJson(JsonNode node) =>
        node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    /// <summary>
    /// Every number of <paramref name="published"/> that differs from the same path in <paramref name="measured"/> by more
    /// than <paramref name="tolerance"/>, or is missing there: what a drift test reports.
    /// </summary>
    public static IReadOnlyList<string> Differences(JsonNode published, JsonNode measured, double tolerance)
    {
        // Through text, so numbers built in memory and numbers parsed from the file compare alike.
        var found = Flatten(JsonNode.Parse(measured.ToJsonString())!);
        var differences = new List<string>();
        foreach (var (path, value) in Flatten(JsonNode.Parse(published.ToJsonString())!))
        {
            if (!found.TryGetValue(path, out var now))
            {
                differences.Add($"{path}: published {value.ToString(CultureInfo.InvariantCulture)}, not measured");
            }
            else if (Math.Abs(now - value) > tolerance)
            {
                differences.Add($"{path}: published {value.ToString(CultureInfo.InvariantCulture)}, measured {now.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        return differences;
    }

    private static Dictionary<string, double> Flatten(JsonNode node)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        Walk(node, "");
        return values;

        void Walk(JsonNode? current, string path)
        {
            switch (current)
            {
                case JsonObject obj:
                    foreach (var (key, child) in obj)
                    {
                        Walk(child, path.Length == 0 ? key : $"{path}.{key}");
                    }

                    break;
                case JsonValue value when value.TryGetValue<double>(out var number):
                    values[path] = number;
                    break;
            }
        }
    }

    private static double Round(double value) => Math.Round(value, 4);
}
