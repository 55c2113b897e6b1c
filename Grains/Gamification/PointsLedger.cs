using CommunityScale.Campaigns;
using CommunityScale.Insights;

namespace CommunityScale.Gamification;

/// <summary>A chat message, as its award is kept: its channel and seq.</summary>
public readonly record struct ChatSource(string ChannelId, long Seq);

/// <summary>What one batch of activity changed in a member's record, for the follow-ups and the boards.</summary>
public sealed class AwardBatch
{
    /// <summary>The member's own activity per day, for the KPIs.</summary>
    public KpiDeltas Kpis { get; } = new();

    /// <summary>The reactors' side of reactions received: their activity, recorded by their own points grains.</summary>
    public List<ActivityEvent> Given { get; } = [];

    public Dictionary<string, CampaignContribution> Contributions { get; } = new(StringComparer.Ordinal);

    /// <summary>Each event that earned (zero points included: a capped action still counts) and challenge bonuses.</summary>
    public List<(ActivityEvent Event, int Points)> Awarded { get; } = [];

    public List<Badge> Earned { get; } = [];

    public List<Challenge> Completed { get; } = [];
}

/// <summary>
/// A member's points bookkeeping, on the state only (no calls, no writes): a batch of activity applied once per source
/// with caps, diminishing points, reaction-ring dampening, campaign boosts, streaks, badges and challenges; and an
/// award taken back. The grain looks up what it needs first, and stores and announces after.
/// </summary>
public sealed class PointsLedger(MemberKey key, Func<MemberPointsState> state, Func<TimeZoneInfo> zone)
{
    private MemberPointsState S => state();

    /// <summary>Channels whose totals changed since their boards were last told.</summary>
    public HashSet<string> ChangedChannels { get; } = new(StringComparer.Ordinal);

    public AwardBatch Apply(IReadOnlyList<ActivityEvent> events, PointsRules rules, IReadOnlyList<Challenge> challenges, IReadOnlyList<Campaign> campaigns,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? profile)
    {
        var batch = new AwardBatch();
        foreach (var e in events)
        {
            if (Seen(e))
            {
                continue;
            }

            if (!rules.Actions.TryGetValue(e.Kind, out var rule))
            {
                // No points, still activity. Given reactions are not kept as sources: their only effect (active that
                // day) is idempotent, and a busy reactor would push real sources out of the replay window.
                batch.Kpis.Add(e);
                if (e.Kind != ActionKinds.ReactionGiven && e.Seq is null)
                {
                    S.Recent.Add(new AwardRecord(e.SourceId, 0, Leaderboards.IsoWeek(e.At)));
                }

                continue;
            }

            var day = DateOnly.FromDateTime(e.At.UtcDateTime);
            if (day != S.Day)
            {
                (S.Day, S.Today) = (day, new Dictionary<string, int>(StringComparer.Ordinal));
            }

            var factor = 1.0;
            if (e.Kind == ActionKinds.ReactionReceived && e.ActorId is { } reactor)
            {
                factor = ReactionFarming.Factor(reactor, key.UserId, S.RecentReactors);
                if (reactor == key.UserId)
                {
                    // Reacting to your own content is not activity at all: no points, no cap used, no streak.
                    S.Recent.Add(new AwardRecord(e.SourceId, 0, Leaderboards.IsoWeek(e.At)));
                    continue;
                }

                batch.Given.Add(new ActivityEvent($"{e.SourceId}/given", key.CommunityId, reactor, "", ActionKinds.ReactionGiven, e.At, e.ChannelId, null, e.ThreadId, e.EventId));
                S.RecentReactors.Add(reactor);
                if (S.RecentReactors.Count > ReactionFarming.Window)
                {
                    S.RecentReactors.RemoveAt(0);
                }
            }

            var nth = S.Today[e.Kind] = S.Today.GetValueOrDefault(e.Kind) + 1;
            var applying = campaigns.Where(c => CampaignRules.Applies(c, e, profile)).ToList();
            var points = CampaignRules.Boosted((int)Math.Floor(PointsMath.Award(rule, nth) * factor), applying);
            foreach (var campaign in applying)
            {
                var before = batch.Contributions.GetValueOrDefault(campaign.Id) ?? new CampaignContribution(key.UserId, 0, 0, !S.CampaignPoints.ContainsKey(campaign.Id));
                batch.Contributions[campaign.Id] = before with { Points = before.Points + points, Posts = before.Posts + (e.IsPost ? 1 : 0) };
                S.CampaignPoints[campaign.Id] = S.CampaignPoints.GetValueOrDefault(campaign.Id) + points;
            }

            var week = Leaderboards.IsoWeek(e.At);
            S.Actions[e.Kind] = S.Actions.GetValueOrDefault(e.Kind) + 1;
            var localDay = Streaks.LocalDay(e.At, zone());
            S.Streak = Streaks.Next(S.LastLocalDay, S.Streak, localDay);
            S.LastLocalDay = S.LastLocalDay is { } last && last > localDay ? last : localDay;
            S.BestStreak = Math.Max(S.BestStreak, S.Streak);
            CollectBadges(e.At, batch.Earned);
            CountChallenges(e, week, challenges, batch);
            batch.Kpis.Add(e, applying.Select(c => c.Id));
            IReadOnlyList<string>? campaignIds = applying.Count == 0 ? null : [.. applying.Select(c => c.Id)];
            if (e is { Seq: { } seq, ChannelId: { } channelId })
            {
                // Replays are recognised by the channel's seq mark; only what earned something is kept, for a take-back.
                if (points != 0)
                {
                    ChatChannel(channelId).Awards.Add(new ChatAward(seq, points, ChatAward.WeekNumber(week), campaignIds));
                }
            }
            else
            {
                S.Recent.Add(new AwardRecord(e.SourceId, points, week, ChannelId: e.ChannelId, Campaigns: campaignIds));
            }

            S.DisplayName = e.DisplayName;
            Add(points, week);
            AddToChannel(e.ChannelId, points);
            batch.Awarded.Add((e, points));
        }

        if (S.Recent.Count > MemberPointsGrain.RecentSources)
        {
            S.Recent.RemoveRange(0, S.Recent.Count - MemberPointsGrain.RecentSources);
        }

        ForgetOldChatAwards();
        return batch;
    }

    /// <summary>
    /// The events of a channel's round that are new: seqs at or below the channel's mark were awarded before (a round
    /// handed over again). Call <see cref="MarkChatAwarded"/> once they are applied.
    /// </summary>
    public IReadOnlyList<ActivityEvent> NewChatEvents(string channelId, IReadOnlyList<long> seqs, IReadOnlyList<ActivityEvent> events)
    {
        var through = AwardedThrough(channelId);
        return seqs.Count != events.Count ? events : [.. events.Where((_, i) => seqs[i] > through)];
    }

    public void MarkChatAwarded(string channelId, IReadOnlyList<long> seqs)
    {
        if (seqs.Count == 0)
        {
            return;
        }

        var through = Math.Max(AwardedThrough(channelId), seqs.Max());
        ChatChannel(channelId).AwardedThrough = through;
        S.ChatAwardedThrough.RemoveAll(c => c.Key == channelId);
    }

    /// <summary>The highest seq of the channel awarded here (marks stored before <see cref="MemberPointsState.ChatChannels"/> existed count too).</summary>
    private long AwardedThrough(string channelId) =>
        Math.Max(S.ChatChannels.Find(c => c.ChannelId == channelId)?.AwardedThrough ?? 0, S.ChatAwardedThrough.FindLast(c => c.Key == channelId).Value);

    /// <summary>The channel's entry, moved to the end (awarded most recently); the entry awarded least recently goes beyond <see cref="MemberPointsGrain.MaxChannels"/>.</summary>
    private ChannelChatAwards ChatChannel(string channelId)
    {
        var index = S.ChatChannels.FindIndex(c => c.ChannelId == channelId);
        var channel = index >= 0 ? S.ChatChannels[index] : new ChannelChatAwards { ChannelId = channelId };
        if (index >= 0)
        {
            S.ChatChannels.RemoveAt(index);
        }

        S.ChatChannels.Add(channel);
        if (S.ChatChannels.Count > MemberPointsGrain.MaxChannels)
        {
            // A round handed over again comes within seconds: a channel this long without an award has nothing to repeat.
            S.ChatChannels.RemoveAt(0);
        }

        return channel;
    }

    /// <summary>
    /// Chat awards are kept only for the take-back window (their replays are recognised by the seq marks), so a busy
    /// member's record does not carry thousands of them into every write. Awards kept as source records before
    /// <see cref="MemberPointsState.ChatChannels"/> existed are the oldest and go first; then the channels awarded least
    /// recently give up their oldest (a channel keeps its mark).
    /// </summary>
    private void ForgetOldChatAwards()
    {
        var kept = S.ChatChannels.Sum(c => c.Awards.Count);
        if (kept + S.Recent.Count <= MemberPointsGrain.RecentChatAwards)
        {
            // Within the window whatever share of the recent sources is chat: no scan of them.
            return;
        }

        var legacy = S.Recent.Count(IsChatRecord);
        for (var i = 0; kept + legacy > MemberPointsGrain.RecentChatAwards && i < S.Recent.Count;)
        {
            if (IsChatRecord(S.Recent[i]))
            {
                S.Recent.RemoveAt(i);
                legacy--;
            }
            else
            {
                i++;
            }
        }

        for (var i = 0; kept > MemberPointsGrain.RecentChatAwards; i++)
        {
            var awards = S.ChatChannels[i].Awards;
            var drop = Math.Min(awards.Count, kept - MemberPointsGrain.RecentChatAwards);
            awards.RemoveRange(0, drop);
            kept -= drop;
        }
    }

    private static bool IsChatRecord(AwardRecord record) => record.SourceId.StartsWith(ChatSourcePrefix, StringComparison.Ordinal);

    /// <summary>
    /// Whether <paramref name="e"/> was applied before: a chat message by its channel's seq mark (its source id is not
    /// among the recent sources, so the scan of up to 2,000 of them is not paid per message), anything else by its source id.
    /// </summary>
    private bool Seen(ActivityEvent e) =>
        e is { Seq: { } seq, ChannelId: { } channelId } ? seq <= AwardedThrough(channelId) : S.Recent.Exists(r => r.SourceId == e.SourceId);

    private static readonly string ChatSourcePrefix = Posting.SourceIds.ChatMessage("");

    /// <summary>Progress on challenges long over is dropped, so the state stays bounded.</summary>
    public void PruneChallenges(DateTimeOffset latest)
    {
        foreach (var stale in S.Challenges.Where(c => c.Value.EndsAt < latest - TimeSpan.FromDays(30)).Select(c => c.Key).ToList())
        {
            S.Challenges.Remove(stale);
        }
    }

    /// <summary>Whether <see cref="TakeBack"/> would take anything back.</summary>
    public bool CanTakeBack(string sourceId, ChatSource? chat) =>
        (chat is { } c && FindChatAward(c) is var (channel, i) && channel.Awards[i].Points != 0)
        || S.Recent.Exists(r => r.SourceId == sourceId && r is { TakenBack: false, Points: not 0 });

    /// <summary>
    /// What a source earned goes (null: unknown, taken back already, or it earned nothing). A chat message is found by
    /// its channel and seq, or, kept before seqs were, by its source id.
    /// </summary>
    public AwardRecord? TakeBack(string sourceId, ChatSource? chat = null)
    {
        if (chat is { } c && FindChatAward(c) is var (channel, i))
        {
            var award = channel.Awards[i];
            if (award.Points == 0)
            {
                return null;
            }

            channel.Awards[i] = award with { Points = 0 };
            return Reverse(new AwardRecord(sourceId, award.Points, award.IsoWeek, true, channel.ChannelId, award.Campaigns));
        }

        var index = S.Recent.FindIndex(r => r.SourceId == sourceId);
        if (index < 0 || S.Recent[index] is { TakenBack: true } or { Points: 0 })
        {
            return null;
        }

        S.Recent[index] = S.Recent[index] with { TakenBack = true };
        return Reverse(S.Recent[index]);
    }

    private (ChannelChatAwards Channel, int Index)? FindChatAward(ChatSource chat)
    {
        var channel = S.ChatChannels.Find(c => c.ChannelId == chat.ChannelId);
        var index = channel?.Awards.FindIndex(a => a.Seq == chat.Seq) ?? -1;
        return index < 0 ? null : (channel!, index);
    }

    private AwardRecord Reverse(AwardRecord record)
    {
        Add(-record.Points, record.Week);
        AddToChannel(record.ChannelId, -record.Points);
        foreach (var campaign in record.Campaigns ?? [])
        {
            if (S.CampaignPoints.TryGetValue(campaign, out var earnedThere))
            {
                S.CampaignPoints[campaign] = Math.Max(0, earnedThere - record.Points);
            }
        }

        return record;
    }

    /// <summary>Whether every one of <paramref name="events"/> was seen before (a replay, which changes nothing).</summary>
    public bool AllSeen(IReadOnlyList<ActivityEvent> events) => events.All(Seen);

    private void CountChallenges(ActivityEvent e, string week, IReadOnlyList<Challenge> challenges, AwardBatch batch)
    {
        foreach (var challenge in challenges.Where(c => c.Kind == e.Kind && c.Covers(e.At)))
        {
            var progress = S.Challenges.GetValueOrDefault(challenge.Id) ?? new ChallengeProgress(challenge.Id, challenge.Title, 0, challenge.Target, challenge.EndsAt, null);
            if (progress.CompletedAt is not null)
            {
                continue;
            }

            progress = progress with { Progress = progress.Progress + 1 };
            if (progress.Progress >= challenge.Target)
            {
                // The bonus is an award of its own, once per challenge.
                progress = progress with { CompletedAt = e.At };
                var bonusSource = $"challenge:{challenge.Id}";
                S.Recent.Add(new AwardRecord(bonusSource, challenge.BonusPoints, week));
                Add(challenge.BonusPoints, week);
                batch.Awarded.Add((e with { SourceId = bonusSource, Kind = "challenge" }, challenge.BonusPoints));
                batch.Completed.Add(challenge);
            }

            S.Challenges[challenge.Id] = progress;
        }
    }

    /// <summary>Gives each badge the record now qualifies for and has not had, dated by the event that earned it.</summary>
    private void CollectBadges(DateTimeOffset at, List<Badge> earned)
    {
        foreach (var (id, tier) in BadgeRules.Qualifying(S.Actions, S.BestStreak))
        {
            if (!S.Badges.Exists(b => b.Id == id && b.Tier == tier))
            {
                var badge = new Badge(id, tier, at);
                S.Badges.Add(badge);
                earned.Add(badge);
            }
        }
    }

    private void AddToChannel(string? channelId, int points)
    {
        if (channelId is null || points == 0)
        {
            return;
        }

        S.ChannelPoints[channelId] = Math.Max(0, S.ChannelPoints.GetValueOrDefault(channelId) + points);
        ChangedChannels.Add(channelId);
        if (S.ChannelPoints.Count > MemberPointsGrain.MaxChannels)
        {
            // A member active in more channels than that keeps their biggest; the smallest leaves its board's memory here.
            S.ChannelPoints.Remove(S.ChannelPoints.MinBy(c => c.Value).Key);
        }
    }

    private void Add(int points, string week)
    {
        S.Points = Math.Max(0, S.Points + points);
        if (week == S.Week)
        {
            S.WeekPoints = Math.Max(0, S.WeekPoints + points);
        }
        else if (string.CompareOrdinal(week, S.Week) > 0)
        {
            (S.Week, S.WeekPoints) = (week, Math.Max(0, points));
        }
    }
}
