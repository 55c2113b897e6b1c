namespace CommunityScale.Gamification;

/// <summary>The pure rules of points: what an action earns given how often the member did it today, and levels.</summary>
public static class PointsMath
{
    /// <summary>
    /// Points for the member's <paramref name="nthToday"/>-th action of this kind today (1-based): full points up to
    /// <see cref="ActionRule.FullPerDay"/>, then halved for each further one (rounded down), nothing past the cap.
    /// </summary>
    public static int Award(ActionRule rule, int nthToday)
    {
        if (nthToday < 1 || nthToday > rule.DailyCap)
        {
            return 0;
        }

        var over = nthToday - rule.FullPerDay;
        return over <= 0 ? rule.Points : over >= 31 ? 0 : rule.Points >> over;
    }

    /// <summary>The level for a total: how many thresholds it has reached.</summary>
    public static int LevelFor(long points, IReadOnlyList<long> thresholds)
    {
        var level = 0;
        while (level < thresholds.Count && points >= thresholds[level])
        {
            level++;
        }

        return level;
    }

    /// <summary>The points the next level needs, or null at the top.</summary>
    public static long? NextLevelAt(int level, IReadOnlyList<long> thresholds) => level < thresholds.Count ? thresholds[level] : null;
}
