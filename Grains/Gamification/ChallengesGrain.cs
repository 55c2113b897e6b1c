using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Gamification;

[GenerateSerializer, Alias("cs.ChallengesState")]
public sealed class ChallengesState
{
    [Id(0)] public List<Challenge> Challenges { get; set; } = [];
}

/// <summary>A community's challenges: validated on creation (admins and the owner), audited; old ones age out of the list.</summary>
public sealed class ChallengesGrain(
    [PersistentState("challenges", StorageNames.Main)] IPersistentState<ChallengesState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    Communities.CommunityLookups lookups) : Grain, IChallengesGrain
{
    public const int MaxOpen = 50;
    private static readonly TimeSpan KeptAfterEnd = TimeSpan.FromDays(30);
    private readonly StateWriter<ChallengesState> _writer = new(state);

    private ChallengesState S => _writer.State;

    private string CommunityId => this.GetPrimaryKeyString();

    public async Task<Challenge> Create(Challenge challenge, Actor caller)
    {
        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only admins and the owner create challenges.");
        var title = ChallengeRules.RequireValid(challenge, clock.GetUtcNow());
        Prune();
        if (S.Challenges.Exists(c => c.Id == challenge.Id))
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Challenge '{challenge.Id}' already exists.");
        }

        if (S.Challenges.Count >= MaxOpen)
        {
            throw CommunityException.Invalid($"At most {MaxOpen} challenges may be open or recent at once.");
        }

        var created = challenge with { Title = title };
        S.Challenges.Add(created);
        await _writer.Write();
        lookups.Forget(CommunityId, Communities.CommunityLookups.Setting.Challenges);
        await GrainFactory.GetGrain<IAuditLogGrain>(CommunityId).Append(caller.UserId, "challenge", created.Id,
            $"{created.Title}: {created.Target} × {created.Kind}, {created.StartsAt:u} – {created.EndsAt:u}, {created.BonusPoints} points");
        return created;
    }

    public Task<IReadOnlyList<Challenge>> List()
    {
        Prune();
        return Task.FromResult<IReadOnlyList<Challenge>>([.. S.Challenges.OrderBy(c => c.EndsAt)]);
    }

    private void Prune() => S.Challenges.RemoveAll(c => c.EndsAt + KeptAfterEnd < clock.GetUtcNow());
}

/// <summary>The checks of a challenge (pure): also run for a campaign's challenges before the campaign is stored.</summary>
public static class ChallengeRules
{
    /// <summary>Returns the trimmed title.</summary>
    public static string RequireValid(Challenge challenge, DateTimeOffset now)
    {
        InputRules.RequireId(challenge.Id, "challenge id");
        var title = InputRules.RequireName(challenge.Title, "title");
        if (!ActionKinds.All.Contains(challenge.Kind))
        {
            throw CommunityException.Invalid($"Unknown action '{challenge.Kind}'; the actions are {string.Join(", ", ActionKinds.All)}.");
        }

        if (challenge.Target is < 1 or > 10_000 || challenge.BonusPoints is < 0 or > PointsRules.MaxPoints)
        {
            throw CommunityException.Invalid($"target is 1–10,000 and bonusPoints 0–{PointsRules.MaxPoints}.");
        }

        if (challenge.EndsAt <= challenge.StartsAt || challenge.EndsAt - challenge.StartsAt > TimeSpan.FromDays(366) || challenge.EndsAt <= now)
        {
            throw CommunityException.Invalid("A challenge ends after it starts, in the future, and lasts at most 366 days.");
        }

        return title;
    }
}
