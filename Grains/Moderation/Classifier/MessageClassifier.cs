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
/// language (German abuse is not judged by a model that learnt mostly English), and one spam head serves both. Pure
/// and thread-safe: grains call it in parallel, each thread with its own feature buffer.
/// </summary>
public sealed class LinearMessageClassifier : IMessageClassifier
{
    private readonly LinearModel _model;
    private readonly int _language;
    private readonly int _spam;
    private readonly int _abuseDe;
    private readonly int _abuseEn;
    private readonly float _spamThreshold;
    private readonly float _abuseDeThreshold;
    private readonly float _abuseEnThreshold;

    public LinearMessageClassifier(LinearModel model)
    {
        _model = model;
        _language = model.HeadIndex("language.de");
        _spam = model.HeadIndex("spam");
        _abuseDe = model.HeadIndex("abuse.de");
        _abuseEn = model.HeadIndex("abuse.en");
        _spamThreshold = (float)model.Setting("threshold.spam");
        _abuseDeThreshold = (float)model.Setting("threshold.abuse.de");
        _abuseEnThreshold = (float)model.Setting("threshold.abuse.en");
    }

    public LinearModel Model => _model;

    public ModerationScores Score(string text)
    {
        var raw = Probabilities(text);
        var german = raw.Language == "de";
        return new ModerationScores(
            Rescale(raw.Spam, _spamThreshold),
            Rescale(raw.Abuse, german ? _abuseDeThreshold : _abuseEnThreshold),
            raw.Language);
    }

    /// <summary>The heads' own probabilities, before rescaling: what the trainer chooses thresholds on.</summary>
    public (float Spam, float Abuse, string Language) Probabilities(string text)
    {
        var features = FeatureBuffer.ForThisThread;
        TextFeatures.Extract(text, _model.Features, features);
        Span<float> logits = stackalloc float[_model.Heads.Count];
        _model.Score(features, logits);
        var german = logits[_language] > 0;
        return (LinearModel.Sigmoid(logits[_spam]), LinearModel.Sigmoid(logits[german ? _abuseDe : _abuseEn]), german ? "de" : "en");
    }

    /// <summary>Monotonic, and the threshold lands on 0.5: below it the score stays under 0.5, above it over.</summary>
    public static float Rescale(float probability, float threshold) =>
        probability < threshold
            ? ModerationScores.Threshold * probability / threshold
            : ModerationScores.Threshold + ((1 - ModerationScores.Threshold) * (probability - threshold) / (1 - threshold));
}
