using System.Runtime.InteropServices;
using CommunityScale.Campaigns;
using CommunityScale.Communities;
using CommunityScale.Insights;
using CommunityScale.Moderation;

namespace CommunityScale.Gamification;

/// <summary>
/// What a points grain owes between two gathered writes: the trust counts to hand to the member grain, and what
/// follows from the stored totals (KPI deltas, campaign contributions, whether the boards and change feed must hear).
/// </summary>
public sealed class GatheredAwards
{
    private readonly Dictionary<string, HashSet<long>> _counts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CampaignContribution> _campaigns = new(StringComparer.Ordinal);
    private KpiDeltas _kpis = new();
    private DateTimeOffset _countedAt;
    private IReadOnlyList<TrustThreshold> _levels = [];
    private bool _touched;

    /// <summary>A channel's messages to count towards trust (at the latest message's time, with the channel's thresholds).</summary>
    public void Count(string channelId, IReadOnlyList<long> seqs, DateTimeOffset at, IReadOnlyList<TrustThreshold> levels)
    {
        if (seqs.Count == 0)
        {
            return;
        }

        // A set: a round handed over twice within one window (a channel's new activation repeating its old one's) counts once.
        (CollectionsMarshal.GetValueRefOrAddDefault(_counts, channelId, out _) ??= []).UnionWith(seqs);
        (_countedAt, _levels) = (at > _countedAt ? at : _countedAt, levels);
    }

    /// <summary>A batch applied: its KPI deltas; and when it awarded, its campaign shares and the boards to update.</summary>
    public void Add(AwardBatch batch)
    {
        _kpis.Add(batch.Kpis);
        foreach (var (campaignId, c) in batch.Contributions)
        {
            _campaigns[campaignId] = _campaigns.TryGetValue(campaignId, out var earlier)
                ? earlier with { Points = earlier.Points + c.Points, Posts = earlier.Posts + c.Posts, NewParticipant = earlier.NewParticipant || c.NewParticipant }
                : c;
        }

        _touched |= batch.Awarded.Count > 0;
    }

    /// <summary>Everything owed so far, for one write; the next write starts empty.</summary>
    public Taken Take()
    {
        var taken = new Taken([.. _counts.Select(c => new ChannelSeqs(c.Key, [.. c.Value.Order()]))], _countedAt, _levels, _kpis, new Dictionary<string, CampaignContribution>(_campaigns, StringComparer.Ordinal), _touched);
        _counts.Clear();
        _campaigns.Clear();
        _kpis = new();
        _touched = false;
        return taken;
    }

    public sealed record Taken(
        IReadOnlyList<ChannelSeqs> Counts, DateTimeOffset CountedAt, IReadOnlyList<TrustThreshold> Levels, KpiDeltas Kpis,
        IReadOnlyDictionary<string, CampaignContribution> Campaigns, bool Touched);
}
