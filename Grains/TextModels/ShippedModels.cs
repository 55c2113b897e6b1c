using CommunityScale.Moderation.Classifier;
using CommunityScale.Sentiment;

namespace CommunityScale.TextModels;

/// <summary>
/// Where the silo finds its text models and how it builds the classifiers: one place, so the silo and
/// <c>./scripts/classify</c> score with the same files and the same code. Both models ship next to the program
/// (<c>Models/</c>); <c>Moderation:ModelPath</c> and <c>Sentiment:ModelPath</c> point elsewhere if wanted.
/// </summary>
public static class ShippedModels
{
    public static string ModerationPath(Func<string, string?> setting) =>
        Path.Combine(AppContext.BaseDirectory, setting("Moderation:ModelPath") ?? Path.Combine("Models", ModerationModel.FileName));

    public static string SentimentPath(Func<string, string?> setting) =>
        Path.Combine(AppContext.BaseDirectory, setting("Sentiment:ModelPath") ?? Path.Combine("Models", SentimentModel.FileName));

    /// <summary>Loaded on first use: a silo whose communities never turn the classifier on never pays for it.</summary>
    public static IMessageClassifier Moderation(Func<string, string?> setting) => new LazyMessageClassifier(ModerationPath(setting));

    public static ISentimentClassifier Sentiment(Func<string, string?> setting) => new LazySentimentClassifier(SentimentPath(setting));
}
