using CommunityScale.TextModels;

namespace CommunityScale.Moderation.Classifier;

/// <summary>
/// What the classifier says about one text: a spam score and an abuse score, each 0..1 and rescaled so that 0.5 is the
/// threshold the trainer chose for that decision on its validation split (precision first). A community's
/// <c>classifierThreshold</c> applies to both: 0.5 is the measured operating point, higher refuses less.
/// </summary>
public readonly record struct ModerationScores(float Spam, float Abuse, string Language)
{
    public const float Threshold = 0.5f;

    /// <summary>The higher of the two: what a community's threshold is compared with.</summary>
    public float Score => Math.Max(Spam, Abuse);

    /// <summary><c>spam</c>, <c>abuse</c> or <c>ok</c> at the measured operating point.</summary>
    public string Label => Score < Threshold ? ModerationModel.Ok : Spam >= Abuse ? ModerationModel.Spam : ModerationModel.Abuse;
}

public interface IMessageClassifier
{
    ModerationScores Score(string text);
}

/// <summary>Loads the model on first use: silos whose communities never enable the classifier never pay for it.</summary>
public sealed class LazyMessageClassifier(string modelPath) : IMessageClassifier
{
    private readonly Lazy<LinearMessageClassifier> _model = new(() => new LinearMessageClassifier(LinearModel.Load(modelPath)));

    public ModerationScores Score(string text) => _model.Value.Score(text);
}

/// <summary>
/// The shipped model (<see cref="ModerationModel.FileName"/>): a language head routes each text to the abuse head of its
/// language (German abuse is not judged by a model that learnt mostly English). Spam has one head per source family
/// (<c>spam.sms</c>: SMS-like offers, prizes, premium numbers; <c>spam.comment</c>: comment spam, self-promotion,
/// giveaways), each with its own threshold (<c>threshold.spam.sms</c>, ...); the spam score is the higher of their
/// rescaled scores. A model with a single <c>spam</c> head (<c>threshold.spam</c>) is read as well. Pure and
/// thread-safe: grains call it in parallel, each thread with its own feature buffer.
/// </summary>
public sealed class LinearMessageClassifier : IMessageClassifier
{
    private readonly LinearModel _model;
    private readonly int _language;
    private readonly int[] _spam;
    private readonly int _abuseDe;
    private readonly int _abuseEn;
    private readonly float[] _spamThresholds;
    private readonly float _abuseDeThreshold;
    private readonly float _abuseEnThreshold;

    public LinearMessageClassifier(LinearModel model)
    {
        _model = model;
        _language = model.HeadIndex("language.de");
        SpamHeads = [.. model.Heads.Where(h => h == "spam" || h.StartsWith("spam.", StringComparison.Ordinal))];
        if (SpamHeads.Count == 0)
        {
            throw new InvalidDataException($"The model has no spam head (it has {string.Join(", ", model.Heads)}).");
        }

        _spam = [.. SpamHeads.Select(model.HeadIndex)];
        _spamThresholds = [.. SpamHeads.Select(h => (float)model.Setting($"threshold.{h}"))];
        _abuseDe = model.HeadIndex("abuse.de");
        _abuseEn = model.HeadIndex("abuse.en");
        _abuseDeThreshold = (float)model.Setting("threshold.abuse.de");
        _abuseEnThreshold = (float)model.Setting("threshold.abuse.en");
    }

    public LinearModel Model => _model;

    /// <summary>The spam heads, in the order <see cref="Probabilities"/> gives their probabilities.</summary>
    public IReadOnlyList<string> SpamHeads { get; }

    public ModerationScores Score(string text)
    {
        Span<float> logits = stackalloc float[_model.Heads.Count];
        var german = Logits(text, logits);
        var spam = 0f;
        for (var k = 0; k < _spam.Length; k++)
        {
            spam = Math.Max(spam, Rescale(LinearModel.Sigmoid(logits[_spam[k]]), _spamThresholds[k]));
        }

        return new ModerationScores(
            spam,
            Rescale(LinearModel.Sigmoid(logits[german ? _abuseDe : _abuseEn]), german ? _abuseDeThreshold : _abuseEnThreshold),
            german ? "de" : "en");
    }

    /// <summary>The heads' own probabilities, before rescaling (one per spam head): what the trainer chooses thresholds on.</summary>
    public (float[] Spam, float Abuse, string Language) Probabilities(string text)
    {
        Span<float> logits = stackalloc float[_model.Heads.Count];
        var german = Logits(text, logits);
        var spam = new float[_spam.Length];
        for (var k = 0; k < spam.Length; k++)
        {
            spam[k] = LinearModel.Sigmoid(logits[_spam[k]]);
        }

        return (spam, LinearModel.Sigmoid(logits[german ? _abuseDe : _abuseEn]), german ? "de" : "en");
    }

    private bool Logits(string text, Span<float> logits)
    {
        var features = FeatureBuffer.ForThisThread;
        TextFeatures.Extract(text, _model.Features, features);
        _model.Score(features, logits);
        return logits[_language] > 0;
    }

    /// <summary>Monotonic, and the threshold lands on 0.5: below it the score stays under 0.5, above it over.</summary>
    public static float Rescale(float probability, float threshold) =>
        probability < threshold
            ? ModerationScores.Threshold * probability / threshold
            : ModerationScores.Threshold + ((1 - ModerationScores.Threshold) * (probability - threshold) / (1 - threshold));
}
