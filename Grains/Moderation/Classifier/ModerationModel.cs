using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CommunityScale.Moderation.Classifier;

/// <summary>One labelled example from the shipped TSV files.</summary>
public sealed class LabelledText
{
    public string Text { get; set; } = "";

    /// <summary>True for spam or abuse, false for ok.</summary>
    public bool Label { get; set; }

    public string Language { get; set; } = "";

    /// <summary>Training weight: each (language, label) cell weighs the same in total (set by <see cref="ModerationModel.Train"/>).</summary>
    public float Weight { get; set; } = 1;
}

public sealed class ClassifierInput
{
    public string Text { get; set; } = "";
}

public sealed class ClassifierOutput
{
    [ColumnName("PredictedLabel")]
    public bool Flagged { get; set; }

    public float Probability { get; set; }
}

/// <summary>The held-out measurement written to <c>docs/moderation-metrics.json</c>.</summary>
public sealed record ClassifierMetrics(double Precision, double Recall, double F1, int TestExamples, IReadOnlyList<string> Languages);

/// <summary>
/// The spam/abuse classifier: how it is trained, split and measured, in one place, so the trainer and the test that
/// re-measures the shipped model agree by construction. Hashed word and character n-grams (no vocabulary to ship,
/// robust to misspellings and German compounds) into a logistic regression.
/// </summary>
public static class ModerationModel
{
    public const int Seed = 20261123;
    public const double TestFraction = 0.2;

    public static IReadOnlyList<LabelledText> Load(string dataDirectory)
    {
        var examples = new List<LabelledText>();
        foreach (var file in Directory.GetFiles(dataDirectory, "*.tsv").Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split('\t');
                if (fields.Length >= 3 && fields[0].Length > 0)
                {
                    examples.Add(new LabelledText { Text = fields[0], Label = fields[1] is "abuse" or "spam", Language = fields[2] });
                }
            }
        }

        return examples;
    }

    /// <summary>A deterministic split: the same seed always puts the same examples on the same side.</summary>
    public static (IReadOnlyList<LabelledText> Train, IReadOnlyList<LabelledText> Test) Split(IReadOnlyList<LabelledText> examples)
    {
        var random = new Random(Seed);
        var shuffled = examples.OrderBy(_ => random.Next()).ToList();
        var testCount = (int)Math.Round(shuffled.Count * TestFraction);
        return (shuffled.Skip(testCount).ToList(), shuffled.Take(testCount).ToList());
    }

    public static ITransformer Train(MLContext ml, IReadOnlyList<LabelledText> train)
    {
        // English tweets outnumber German ones five to one: unweighted, the model learns English and all but ignores
        // German abuse (measured: German recall 0.09). Balancing the (language, label) cells fixes that.
        var cells = train.GroupBy(t => (t.Language, t.Label)).ToDictionary(g => g.Key, g => g.Count());
        var perCell = (float)train.Count / cells.Count;
        var weighted = train.Select(t => new LabelledText { Text = t.Text, Label = t.Label, Language = t.Language, Weight = perCell / cells[(t.Language, t.Label)] }).ToList();
        var data = ml.Data.LoadFromEnumerable(weighted);
        var pipeline = ml.Transforms.Text.NormalizeText("Normalized", nameof(LabelledText.Text), keepDiacritics: false, keepPunctuations: false)
            .Append(ml.Transforms.Text.ProduceHashedWordBags("Words", "Normalized", numberOfBits: 18, ngramLength: 2))
            .Append(ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Chars", "Normalized"))
            .Append(ml.Transforms.Text.ProduceHashedNgrams("CharGrams", "Chars", numberOfBits: 18, ngramLength: 4))
            .Append(ml.Transforms.Concatenate("Features", "Words", "CharGrams"))
            .Append(ml.Transforms.NormalizeLpNorm("Features"))
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(nameof(LabelledText.Label), "Features", nameof(LabelledText.Weight)));
        return pipeline.Fit(data);
    }

    public static ClassifierMetrics Evaluate(MLContext ml, ITransformer model, IReadOnlyList<LabelledText> test)
    {
        var predictions = model.Transform(ml.Data.LoadFromEnumerable(test));
        var metrics = ml.BinaryClassification.Evaluate(predictions, nameof(LabelledText.Label));
        return new ClassifierMetrics(
            Math.Round(metrics.PositivePrecision, 4),
            Math.Round(metrics.PositiveRecall, 4),
            Math.Round(metrics.F1Score, 4),
            test.Count,
            [.. test.Select(t => t.Language).Distinct().Order(StringComparer.Ordinal)]);
    }

    public static string ToJson(ClassifierMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"{{\n  \"precision\": {m.Precision},\n  \"recall\": {m.Recall},\n  \"f1\": {m.F1},\n  \"test_examples\": {m.TestExamples},\n  \"languages\": [{string.Join(", ", m.Languages.Select(l => $"\"{l}\""))}]\n}}\n");
}
