namespace CommunityScale.Gamification;

/// <summary>Daily streaks: consecutive local days with an awarded action.</summary>
public static class Streaks
{
    /// <summary>The streak after activity on <paramref name="day"/>: unchanged the same day, +1 the next day, else 1.</summary>
    public static int Next(DateOnly? lastDay, int streak, DateOnly day) =>
        lastDay == day ? Math.Max(streak, 1)
        : lastDay is { } last && last.AddDays(1) == day ? streak + 1
        : lastDay is { } later && later > day ? streak // an old event arriving late does not restart the streak
        : 1;

    public static DateOnly LocalDay(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
}

/// <summary>Which badges a member's record earns; each (id, tier) is given once.</summary>
public static class BadgeRules
{
    private static readonly (string Id, string Kind, long Bronze, long Silver, long Gold)[] Counted =
    [
        ("messages", ActionKinds.MessageAccepted, 10, 100, 1_000),
    ];

    private static readonly (string Id, string Kind)[] Firsts =
    [
        ("first_message", ActionKinds.MessageAccepted),
        ("first_answer", ActionKinds.AnswerAccepted),
        ("event_attendee", ActionKinds.EventCheckIn),
    ];

    /// <summary>Every (badge, tier) the record qualifies for, whether or not it was given before.</summary>
    public static IEnumerable<(string Id, BadgeTier Tier)> Qualifying(IReadOnlyDictionary<string, long> actions, int bestStreak)
    {
        foreach (var (id, kind) in Firsts)
        {
            if (actions.GetValueOrDefault(kind) >= 1)
            {
                yield return (id, BadgeTier.Bronze);
            }
        }

        foreach (var (id, kind, bronze, silver, gold) in Counted)
        {
            foreach (var tier in Tiers(actions.GetValueOrDefault(kind), bronze, silver, gold))
            {
                yield return (id, tier);
            }
        }

        foreach (var tier in Tiers(bestStreak, 7, 30, 365))
        {
            yield return ("streak", tier);
        }
    }

    private static IEnumerable<BadgeTier> Tiers(long value, long bronze, long silver, long gold)
    {
        if (value >= bronze)
        {
            yield return BadgeTier.Bronze;
        }

        if (value >= silver)
        {
            yield return BadgeTier.Silver;
        }

        if (value >= gold)
        {
            yield return BadgeTier.Gold;
        }
    }
}

/// <summary>
/// Farming rules for reactions: reacting to your own content earns nothing, and a reactor who gives more than half of
/// a member's last <see cref="Window"/> reactions (two accounts feeding each other) earns that member half the
/// points, then a quarter, and so on for each further share.
/// </summary>
public static class ReactionFarming
{
    public const int Window = 20;

    /// <summary>The factor (1, ½, ¼, …, 0) for a reaction by <paramref name="reactor"/> given the recent reactors (oldest first).</summary>
    public static double Factor(string reactor, string author, IReadOnlyList<string> recentReactors)
    {
        if (reactor == author)
        {
            return 0;
        }

        var recent = recentReactors.Skip(Math.Max(0, recentReactors.Count - Window)).ToList();
        // At least half a window is considered, so a member's first few reactions do not all look like one reactor's.
        var limit = Math.Max(recent.Count, Window / 2) / 2;
        var fromReactor = recent.Count(r => r == reactor);
        return fromReactor < limit ? 1 : Math.Pow(0.5, fromReactor - limit + 1);
    }
}
