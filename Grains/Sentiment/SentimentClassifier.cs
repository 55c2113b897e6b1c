using System.Text.Json.Nodes;
using CommunityScale.TextModels;

namespace CommunityScale.Sentiment;

/// <summary>A text's sentiment: <c>negative</c>, <c>neutral</c> or <c>positive</c>, and the model's probability of it.</summary>
public readonly record struct SentimentResult(string Label, float Score, string Language);

public interface ISentimentClassifier
{
    SentimentResult Score(string text);
}

/// <summary>Loads the model on first use, like the moderation classifier.</summary>
public sealed class LazySentimentClassifier(string modelPath) : ISentimentClassifier
{
    private readonly Lazy<LinearSentimentClassifier> _model = new(() => new LinearSentimentClassifier(LinearModel.Load(modelPath)));

    public SentimentResult Score(string text) => _model.Value.Score(text);
}

/// <summary>
/// The shipped sentiment model (<see cref="SentimentModel.FileName"/>): a language head picks German or English, whose
/// three heads (one logistic regression per class against the rest) score the classes; the best one after the trainer's
/// per-class offsets wins, and its score is its softmax share. Thread-safe.
/// </summary>
public sealed class LinearSentimentClassifier : ISentimentClassifier
{
    private readonly LinearModel _model;
    private readonly int _language;
    private readonly int[] _german;
    private readonly int[] _english;

    private readonly float[] _germanOffsets;
    private readonly float[] _englishOffsets;

    public LinearSentimentClassifier(LinearModel model)
    {
        _model = model;
        _language = model.HeadIndex("language.de");
        _german = [.. SentimentModel.Labels.Select(l => model.HeadIndex($"de.{l}"))];
        _english = [.. SentimentModel.Labels.Select(l => model.HeadIndex($"en.{l}"))];
        _germanOffsets = [.. SentimentModel.Labels.Select(l => (float)model.Settings.GetValueOrDefault($"offset.de.{l}"))];
        _englishOffsets = [.. SentimentModel.Labels.Select(l => (float)model.Settings.GetValueOrDefault($"offset.en.{l}"))];
    }

    public LinearModel Model => _model;

    public SentimentResult Score(string text)
    {
        var (language, scores) = Logits(text);
        var offsets = language == "de" ? _germanOffsets : _englishOffsets;
        var best = Best(scores, offsets);
        var max = scores[best] + offsets[best];
        var sum = 0f;
        for (var k = 0; k < scores.Length; k++)
        {
            sum += MathF.Exp(scores[k] + offsets[k] - max);
        }

        return new SentimentResult(SentimentModel.Labels[best], 1 / sum, language);
    }

    /// <summary>The language and the three class scores (logits) of its heads, before the per-class offsets.</summary>
    public (string Language, float[] Scores) Logits(string text)
    {
        var features = FeatureBuffer.ForThisThread;
        TextFeatures.Extract(text, _model.Features, features);
        Span<float> logits = stackalloc float[_model.Heads.Count];
        _model.Score(features, logits);
        var german = logits[_language] > 0;
        var heads = german ? _german : _english;
        var scores = new float[heads.Length];
        for (var k = 0; k < heads.Length; k++)
        {
            scores[k] = logits[heads[k]];
        }

        return (german ? "de" : "en", scores);
    }

    /// <summary>
    /// The class with the highest score plus its offset: offsets chosen by the trainer on its validation split move
    /// the boundaries between classes (as a threshold does for two), e.g. towards the rarer classes for macro-recall.
    /// </summary>
    public static int Best(ReadOnlySpan<float> scores, ReadOnlySpan<float> offsets)
    {
        var best = 0;
        for (var k = 1; k < scores.Length; k++)
        {
            if (scores[k] + offsets[k] > scores[best] + offsets[best])
            {
                best = k;
            }
        }

        return best;
    }
}

/// <summary>How the sentiment data is split and measured, shared by the trainer and the test that re-measures.</summary>
public static class SentimentModel
{
    public const int Seed = 20261124;
    public const double TestFraction = 0.2;
    public const string FileName = "sentiment.model";

    public static readonly IReadOnlyList<string> Labels = ["negative", "neutral", "positive"];

    public static (IReadOnlyList<LabelledText> Train, IReadOnlyList<LabelledText> Test) Split(IReadOnlyList<LabelledText> examples) =>
        LabelledData.Split(examples, Seed, TestFraction, new HashSet<string>(StringComparer.Ordinal));

    /// <summary>The figures written to <c>docs/sentiment-metrics.json</c>.</summary>
    public static JsonObject Measure(ISentimentClassifier classifier, IReadOnlyList<LabelledText> test)
    {
        var report = ClassificationReport.ByFileAndLanguage(test, [.. test.Select(e => classifier.Score(e.Text).Label)]);
        return new JsonObject
        {
            ["model"] = $"Silo/Models/{FileName}",
            ["split"] = $"held out: {TestFraction:P0} of each (file, label) by seed {Seed}",
            ["decision"] = "the class of the text's language with the highest score plus its offset (offsets chosen on the training part, never on this split: English for macro-recall, German for accuracy; micro-F1 = accuracy)",
            ["overall"] = report["overall"]!.DeepClone(),
            ["files"] = report["files"]!.DeepClone(),
            ["languages"] = report["languages"]!.DeepClone(),
        };
    }
}
