using Microsoft.ML;

namespace CommunityScale.Moderation.Classifier;

/// <summary>Scores how likely a message is spam or abuse (0..1).</summary>
public interface IMessageClassifier
{
    float Score(string text);
}

/// <summary>Loads the model on first use: silos whose communities never enable the classifier never pay for it.</summary>
public sealed class LazyMessageClassifier(string modelPath) : IMessageClassifier, IDisposable
{
    private readonly Lazy<MlNetMessageClassifier> _model = new(() => new MlNetMessageClassifier(modelPath));

    public float Score(string text) => _model.Value.Score(text);

    public void Dispose()
    {
        if (_model.IsValueCreated)
        {
            _model.Value.Dispose();
        }
    }
}

/// <summary>
/// The shipped ML.NET model, loaded once per silo. ML.NET's prediction engine is not thread-safe and grains run in
/// parallel, so each thread gets its own engine over the one loaded model.
/// </summary>
public sealed class MlNetMessageClassifier : IMessageClassifier, IDisposable
{
    private readonly ThreadLocal<PredictionEngine<ClassifierInput, ClassifierOutput>> _engines;

    public MlNetMessageClassifier(string modelPath)
    {
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"The moderation model is missing at {modelPath} (Moderation:ModelPath); train it with tools/ModerationTrainer.", modelPath);
        }

        var ml = new MLContext(seed: ModerationModel.Seed);
        var model = ml.Model.Load(modelPath, out _);
        _engines = new ThreadLocal<PredictionEngine<ClassifierInput, ClassifierOutput>>(() => ml.Model.CreatePredictionEngine<ClassifierInput, ClassifierOutput>(model));
    }

    public float Score(string text) => _engines.Value!.Predict(new ClassifierInput { Text = text }).Probability;

    public void Dispose() => _engines.Dispose();
}
