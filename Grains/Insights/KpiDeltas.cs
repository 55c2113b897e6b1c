using CommunityScale.Gamification;

namespace CommunityScale.Insights;

/// <summary>Sums one member's batch of activity per UTC day into KPI deltas (pure).</summary>
public sealed class KpiDeltas
{
    private readonly SortedDictionary<DateOnly, (bool Active, int Messages, int Threads, int Replies, int Reactions)> _days = [];

    /// <summary>What the member did themselves; a reaction or an accepted answer they received is not their activity.</summary>
    public static bool IsOwnAction(string kind) => kind is not (ActionKinds.ReactionReceived or ActionKinds.AnswerAccepted);

    public bool IsEmpty => _days.Count == 0;

    public void Add(ActivityEvent e)
    {
        var day = DateOnly.FromDateTime(e.At.UtcDateTime);
        var d = _days.GetValueOrDefault(day);
        _days[day] = (d.Active || IsOwnAction(e.Kind),
            d.Messages + (e.Kind == ActionKinds.MessageAccepted ? 1 : 0),
            d.Threads + (e.Kind == ActionKinds.ThreadCreated ? 1 : 0),
            d.Replies + (e.Kind == ActionKinds.Reply ? 1 : 0),
            d.Reactions + (e.Kind == ActionKinds.ReactionReceived ? 1 : 0));
    }

    /// <summary>Adds another batch's deltas (a points grain reports what it gathered between two writes at once).</summary>
    public void Add(KpiDeltas other)
    {
        foreach (var (day, o) in other._days)
        {
            var d = _days.GetValueOrDefault(day);
            _days[day] = (d.Active || o.Active, d.Messages + o.Messages, d.Threads + o.Threads, d.Replies + o.Replies, d.Reactions + o.Reactions);
        }
    }

    public IEnumerable<KpiMemberActivity> For(string userId, IReadOnlyList<string> tags) =>
        _days.Select(d => new KpiMemberActivity(userId, d.Key, tags, d.Value.Active, d.Value.Messages, d.Value.Threads, d.Value.Replies, d.Value.Reactions));
}
