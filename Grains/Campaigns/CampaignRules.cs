using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;

namespace CommunityScale.Campaigns;

/// <summary>Which campaigns an action counts for, and by how much (pure, unit-tested).</summary>
public static class CampaignRules
{
    public const double MaxMultiplier = 10;
    public const int MaxScopeIds = 50;
    public const int MaxChallenges = 10;

    /// <summary>Inside the window, of a kind the campaign counts, in its scope, by a member of its segment.</summary>
    public static bool Applies(Campaign c, ActivityEvent e, IReadOnlyDictionary<string, IReadOnlyList<string>>? profile) =>
        c.Covers(e.At)
        && (c.Actions.Count == 0 || c.Actions.Contains(e.Kind, StringComparer.Ordinal))
        && InScope(c, e)
        && c.Segment.Matches(profile);

    public static bool InScope(Campaign c, ActivityEvent e)
    {
        var (channels, threads, events) = (c.Scope.ChannelIds ?? [], c.Scope.ThreadIds ?? [], c.Scope.EventIds ?? []);
        if (channels.Count == 0 && threads.Count == 0 && events.Count == 0)
        {
            return true;
        }

        return (e.ChannelId is { } channel && (channels.Contains(channel, StringComparer.Ordinal) || c.SessionChannelIds.Contains(channel, StringComparer.Ordinal)))
            || (e.ThreadId is { } thread && threads.Contains(thread, StringComparer.Ordinal))
            || (e.EventId is { } ev && events.Contains(ev, StringComparer.Ordinal));
    }

    /// <summary>
    /// The points an action earns under the campaigns that apply: the base times the largest multiplier (campaigns do
    /// not compound), rounded down. Nothing applies: the base.
    /// </summary>
    public static int Boosted(int basePoints, IEnumerable<Campaign> applying)
    {
        var multiplier = applying.Select(c => c.Multiplier).DefaultIfEmpty(1).Max();
        return basePoints <= 0 ? basePoints : (int)Math.Min(PointsRules.MaxPoints * MaxMultiplier, Math.Floor(basePoints * multiplier));
    }

    public static void RequireValid(NewCampaign c, DateTimeOffset now)
    {
        InputRules.RequireId(c.Id, "campaign id");
        InputRules.RequireName(c.Title, "title");
        if ((c.Description?.Length ?? 0) > 2_000)
        {
            throw new CommunityException(ErrorCodes.TooLong, "The description has at most 2,000 characters.");
        }

        if (c.EndsAt <= c.StartsAt || c.EndsAt - c.StartsAt > TimeSpan.FromDays(366) || c.EndsAt <= now)
        {
            throw CommunityException.Invalid("A campaign ends after it starts, in the future, and lasts at most 366 days.");
        }

        if (!double.IsFinite(c.Multiplier) || c.Multiplier is < 1 or > MaxMultiplier)
        {
            throw CommunityException.Invalid($"multiplier is between 1 and {MaxMultiplier}.");
        }

        if ((c.Actions ?? []).FirstOrDefault(a => !ActionKinds.All.Contains(a)) is { } unknown)
        {
            throw CommunityException.Invalid($"Unknown action '{unknown}'; the actions are {string.Join(", ", ActionKinds.All)}.");
        }

        foreach (var (ids, what) in new[] { (c.Scope?.ChannelIds, "channel"), (c.Scope?.ThreadIds, "thread"), (c.Scope?.EventIds, "event") })
        {
            if ((ids?.Count ?? 0) > MaxScopeIds)
            {
                throw CommunityException.Invalid($"A campaign's scope names at most {MaxScopeIds} of each kind.");
            }

            foreach (var id in ids ?? [])
            {
                InputRules.RequireId(id, $"{what} id");
            }
        }

        var challenges = c.Challenges ?? [];
        if (challenges.Count > MaxChallenges || challenges.Any(ch => $"{c.Id}-{InputRules.RequireId(ch.Id, "challenge id")}".Length > InputRules.MaxIdLength))
        {
            throw CommunityException.Invalid($"A campaign has at most {MaxChallenges} challenges, and campaign and challenge ids together are at most {InputRules.MaxIdLength - 1} characters.");
        }

        // All of them now, before anything is stored: a bad one found later would leave a half-made campaign.
        foreach (var ch in challenges)
        {
            ChallengeRules.RequireValid(ToChallenge(c, ch), now);
        }
    }

    /// <summary>A campaign's challenge as the community's challenges hold it: the campaign's window, its id prefixed.</summary>
    public static Challenge ToChallenge(NewCampaign c, NewCampaignChallenge ch) =>
        new($"{c.Id}-{ch.Id}", ch.Title, ch.Kind, ch.Target, c.StartsAt, c.EndsAt, ch.BonusPoints);

    public static string StatusAt(Campaign c, DateTimeOffset now) => now < c.StartsAt ? "scheduled" : now < c.EndsAt ? "running" : "ended";
}
