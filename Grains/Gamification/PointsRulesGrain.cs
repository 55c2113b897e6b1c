using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Scheduling;
using CommunityScale.Streams;

namespace CommunityScale.Gamification;

[GenerateSerializer, Alias("cs.PointsRulesState")]
public sealed class PointsRulesState
{
    [Id(0)] public PointsRules? Rules { get; set; }
}

/// <summary>A community's points rules: validated as a whole, versioned, changed by admins and the owner only, audited.</summary>
public sealed class PointsRulesGrain(
    [PersistentState("points-rules", StorageNames.Main)] IPersistentState<PointsRulesState> state,
    Communities.CommunityLookups lookups) : Grain, IPointsRulesGrain
{
    private readonly StateWriter<PointsRulesState> _writer = new(state);

    private PointsRulesState S => _writer.State;

    private string CommunityId => this.GetPrimaryKeyString();

    public Task<PointsRules> Get() => Task.FromResult(S.Rules ?? PointsRules.Default);

    public async Task<PointsRules> Update(PointsRulesUpdate update, Actor caller)
    {
        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only admins and the owner change the points rules.");

        var current = S.Rules ?? PointsRules.Default;
        var actions = new Dictionary<string, ActionRule>(current.Actions);
        foreach (var (kind, rule) in update.Actions ?? new Dictionary<string, ActionRule>())
        {
            if (!ActionKinds.All.Contains(kind))
            {
                throw CommunityException.Invalid($"Unknown action '{kind}'; the actions are {string.Join(", ", ActionKinds.All)}.");
            }

            if (rule is null || rule.Points is < 0 or > PointsRules.MaxPoints || rule.DailyCap is < 0 or > 10_000 || rule.FullPerDay < 0 || rule.FullPerDay > rule.DailyCap)
            {
                throw CommunityException.Invalid($"'{kind}': points 0–{PointsRules.MaxPoints}, dailyCap 0–10,000, fullPerDay 0–dailyCap.");
            }

            actions[kind] = rule;
        }

        var thresholds = update.LevelThresholds ?? current.LevelThresholds;
        if (thresholds.Count > PointsRules.MaxLevels || thresholds.Where((t, i) => t <= 0 || (i > 0 && t <= thresholds[i - 1])).Any())
        {
            throw CommunityException.Invalid($"levelThresholds: at most {PointsRules.MaxLevels} positive point totals, strictly rising.");
        }

        var next = new PointsRules(actions, [.. thresholds], current.Version + 1);
        S.Rules = next;
        await _writer.Write();
        lookups.Forget(CommunityId, Communities.CommunityLookups.Setting.PointsRules);
        await GrainFactory.GetGrain<IAuditLogGrain>(CommunityId).Append(caller.UserId, "points_rules", $"version {next.Version}",
            string.Join(", ", next.Actions.Select(a => $"{a.Key} {a.Value.Points}")));
        return next;
    }
}
