using CommunityScale.Gamification;

namespace CommunityScale.Insights;

/// <summary>Sums one member's batch of activity per UTC day into KPI deltas (pure).</summary>
public sealed class KpiDeltas
{
    private readonly SortedDictionary<DateOnly, Day> _days = [];

    /// <summary>What the member did themselves; a reaction or an accepted answer they received is not their activity.</summary>
    public static bool IsOwnAction(string kind) => kind is not (ActionKinds.ReactionReceived or ActionKinds.AnswerAccepted);

    /// <summary>
    /// One event; a scored post also counts its sentiment once for its source and channel, and once more for each of
    /// <paramref name="campaignIds"/> it counted towards.
    /// </summary>
    public void Add(ActivityEvent e, IEnumerable<string>? campaignIds = null)
    {
        var day = DayOf(DateOnly.FromDateTime(e.At.UtcDateTime));
        day.Active |= IsOwnAction(e.Kind);
        day.Messages += e.Kind == ActionKinds.MessageAccepted ? 1 : 0;
        day.Threads += e.Kind == ActionKinds.ThreadCreated ? 1 : 0;
        day.Replies += e.Kind == ActionKinds.Reply ? 1 : 0;
        day.Reactions += e.Kind == ActionKinds.ReactionReceived ? 1 : 0;
        if (e.IsPost && SentimentLabels.IsKnown(e.Sentiment))
        {
            day.Count(e.Kind, e.ChannelId, null, e.Sentiment!);
            foreach (var campaignId in campaignIds ?? [])
            {
                day.Count(e.Kind, e.ChannelId, campaignId, e.Sentiment!);
            }
        }
    }

    /// <summary>Adds another batch's deltas (a points grain reports what it gathered between two writes at once).</summary>
    public void Add(KpiDeltas other)
    {
        foreach (var (date, o) in other._days)
        {
            var d = DayOf(date);
            d.Active |= o.Active;
            (d.Messages, d.Threads, d.Replies, d.Reactions) = (d.Messages + o.Messages, d.Threads + o.Threads, d.Replies + o.Replies, d.Reactions + o.Reactions);
            foreach (var (where, counts) in o.Sentiment)
            {
                var mine = d.Sentiment.GetValueOrDefault(where);
                d.Sentiment[where] = (mine.Negative + counts.Negative, mine.Neutral + counts.Neutral, mine.Positive + counts.Positive);
            }
        }
    }

    public IEnumerable<KpiMemberActivity> For(string userId, IReadOnlyList<string> tags) =>
        _days.Select(d => new KpiMemberActivity(userId, d.Key, tags, d.Value.Active, d.Value.Messages, d.Value.Threads, d.Value.Replies, d.Value.Reactions,
            d.Value.Sentiment.Count == 0 ? null : [.. d.Value.Sentiment.Select(s => new KpiSentimentCount(s.Key.Source, s.Key.ChannelId, s.Key.CampaignId, s.Value.Negative, s.Value.Neutral, s.Value.Positive))]));

    private Day DayOf(DateOnly date) => _days.TryGetValue(date, out var day) ? day : _days[date] = new Day();

    private sealed class Day
    {
        public bool Active;
        public int Messages;
        public int Threads;
        public int Replies;
        public int Reactions;
        public readonly Dictionary<(string Source, string? ChannelId, string? CampaignId), (long Negative, long Neutral, long Positive)> Sentiment = [];

        public void Count(string source, string? channelId, string? campaignId, string label)
        {
            var c = Sentiment.GetValueOrDefault((source, channelId, campaignId));
            Sentiment[(source, channelId, campaignId)] = label switch
            {
                SentimentLabels.Negative => c with { Negative = c.Negative + 1 },
                SentimentLabels.Neutral => c with { Neutral = c.Neutral + 1 },
                _ => c with { Positive = c.Positive + 1 },
            };
        }
    }
}
