namespace CommunityScale.Moderation;

/// <summary>Which penalty a member's active warnings earn under a community's strike ladder.</summary>
public static class StrikeLadder
{
    /// <summary>
    /// The rung reached exactly at <paramref name="activeWarnings"/>; past the top rung, the top rung again (a banned or
    /// long-muted member who collects more warnings gets the harshest penalty each time). Null: a plain warning.
    /// </summary>
    public static StrikeStep? PenaltyFor(int activeWarnings, IReadOnlyList<StrikeStep> ladder)
    {
        if (ladder.Count == 0 || activeWarnings <= 0)
        {
            return null;
        }

        foreach (var step in ladder)
        {
            if (step.Warnings == activeWarnings)
            {
                return step;
            }
        }

        return activeWarnings > ladder[^1].Warnings ? ladder[^1] : null;
    }
}

/// <summary>Discourse-like trust: earned by days active and accepted messages, never while a warning is active.</summary>
public static class TrustLadder
{
    /// <summary>
    /// The level a member holds: the highest whose thresholds they meet, but never below <paramref name="current"/>
    /// (trust is not taken away by a quiet month) and never raised while <paramref name="activeWarnings"/> &gt; 0.
    /// </summary>
    public static int LevelFor(int daysActive, long acceptedMessages, int activeWarnings, int current, IReadOnlyList<TrustThreshold> levels)
    {
        if (activeWarnings > 0)
        {
            return current;
        }

        var earned = 0;
        foreach (var level in levels)
        {
            if (daysActive >= level.DaysActive && acceptedMessages >= level.AcceptedMessages)
            {
                earned = Math.Max(earned, level.Level);
            }
        }

        return Math.Max(current, earned);
    }
}

/// <summary>
/// Orders the review queue. A report weighs as much as its reporters' track record: each reporter adds their accuracy,
/// (upheld + 1) / (upheld + dismissed + 2), so a member whose reports moderators keep upholding counts nearly 1 and a
/// serial false reporter sinks towards 0; a new reporter counts ½. A held message counts 1 (one automatic flag, already
/// kept from everyone), an appeal ½ (a member waits, nobody else is affected). Ties: the older item first.
/// </summary>
public static class ReviewPriority
{
    public const double Held = 1.0;
    public const double Appeal = 0.5;

    public static double Accuracy(int upheld, int dismissed) => (upheld + 1.0) / (upheld + dismissed + 2.0);

    public static double ForReport(IEnumerable<double> reporterAccuracies) => reporterAccuracies.Sum();
}
