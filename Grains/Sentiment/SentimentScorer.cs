using CommunityScale.Insights;
using Microsoft.Extensions.Logging;

namespace CommunityScale.Sentiment;

/// <summary>
/// Scores accepted texts for the KPIs (a label only: the text goes no further). Texts are members' input, so only
/// their start is scored, which bounds the cost; and a model that cannot load costs the KPIs their sentiment, never
/// the awards the label travels with.
/// </summary>
public sealed partial class SentimentScorer(ISentimentClassifier classifier, ILogger<SentimentScorer> logger)
{
    /// <summary>The start of a text that is scored (a chat message is shorter; a forum post's opening carries its tone).</summary>
    public const int MaxScoredChars = 2_000;

    private int _failed;

    /// <summary><see cref="SentimentLabels"/>' label of <paramref name="text"/>; null when there is no text to score or the model failed.</summary>
    public string? Label(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            var label = classifier.Score(text.Length > MaxScoredChars ? text[..MaxScoredChars] : text).Label;
            return SentimentLabels.IsKnown(label) ? label : null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Once per silo: a missing model fails every text alike.
            if (Interlocked.Exchange(ref _failed, 1) == 0)
            {
                LogScoringFailed(logger, ex);
            }

            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The sentiment model failed; texts are not scored for the KPIs until the silo restarts with a working model")]
    private static partial void LogScoringFailed(ILogger logger, Exception ex);
}
