using CommunityScale.Communities;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.Logging;

namespace CommunityScale.Insights;

[GenerateSerializer, Alias("cs.KpiMemberDay")]
public sealed class KpiMemberDay
{
    [Id(0)] public List<string> Tags { get; set; } = [];

    [Id(1)] public bool Active { get; set; }

    [Id(2)] public int Messages { get; set; }

    [Id(3)] public int Threads { get; set; }

    [Id(4)] public int Replies { get; set; }

    [Id(5)] public int ReactionsReceived { get; set; }
}

[GenerateSerializer, Alias("cs.KpiDayState")]
public sealed class KpiDayState
{
    [Id(0)] public Dictionary<string, KpiMemberDay> Members { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public HashSet<string> Joined { get; set; } = new(StringComparer.Ordinal);

    [Id(2)] public Dictionary<string, KpiSample> Samples { get; set; } = new(StringComparer.Ordinal);

    [Id(3)] public Dictionary<string, KpiSurvey> Surveys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Scored texts per profile, source, channel and campaign (<see cref="KpiSentimentCell.Key"/>): counts, never per member.</summary>
    [Id(4)] public Dictionary<string, KpiSentimentCell> Sentiment { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A day's scored texts of members with the same profile tags, for one source, channel and campaign. Kept apart from
/// the members' own records, so sentiment never forms a per-member trail and an erasure has nothing of it to rename.
/// </summary>
[GenerateSerializer, Alias("cs.KpiSentimentCell")]
public sealed class KpiSentimentCell
{
    [Id(0)] public List<string> Tags { get; set; } = [];

    [Id(1)] public string Source { get; set; } = "";

    [Id(2)] public string? ChannelId { get; set; }

    [Id(3)] public string? CampaignId { get; set; }

    [Id(4)] public long Negative { get; set; }

    [Id(5)] public long Neutral { get; set; }

    [Id(6)] public long Positive { get; set; }

    public static string Key(IReadOnlyList<string> tags, string source, string? channelId, string? campaignId) =>
        $"{string.Join('\u001f', tags)}\u001e{source}\u001e{channelId}\u001e{campaignId}";

    public void Add(long negative, long neutral, long positive) => (Negative, Neutral, Positive) = (Negative + negative, Neutral + neutral, Positive + positive);
}

[GenerateSerializer, Alias("cs.KpiWeekState")]
public sealed class KpiWeekState
{
    [Id(0)] public Dictionary<DateOnly, KpiDayState> Days { get; set; } = [];
}

/// <summary>
/// A week of a community's activity, kept per day and member so any period's distinct active members are an exact
/// union and any segment is a filter over the tags each member had when active. Updates arrive one-way (derived
/// data); the changed days are published as <c>KpiUpdated</c> once a second, and the state is written behind every
/// <see cref="WriteInterval"/>.
/// </summary>
public sealed partial class KpiWeekGrain(
    [PersistentState("kpi-week", StorageNames.Main)] IPersistentState<KpiWeekState> state,
    ILogger<KpiWeekGrain> logger) : Grain, IKpiWeekGrain
{
    /// <summary>Response-time samples and survey answers kept per day; beyond it the earliest stand for the day.</summary>
    public const int MaxSamplesPerDay = 20_000;

    private readonly HashSet<DateOnly> _changed = [];

    // Activity that arrives after its member's erasure renamed them counts under the pseudonym.
    private readonly Privacy.RecentErasures<string> _renamed = new();
    private readonly StateWriter<KpiWeekState> _writer = new(state);
    /// <summary>
    /// How often the bucket is stored. The record holds the whole week (every member, and a sentiment count per channel,
    /// segment and campaign, per day: 16 KB for one day of 250 busy channels), and is written whole; stored once a second,
    /// as it was published, it was 80-100 bytes per accepted message in many-channels. Updates arrive one-way and are
    /// derived, so a silo's crash loses at most this long of KPI counts; the live rows still go out every second.
    /// </summary>
    public static readonly TimeSpan WriteInterval = TimeSpan.FromSeconds(10);

    private WriteBehind? _publishBehind;
    private WriteBehind? _writeBehind;

    private WriteBehind Publishes => _publishBehind ??= new(this, Publish, ex => LogFlushFailed(logger, ex, this.GetPrimaryKeyString()));

    private WriteBehind Writes => _writeBehind ??= new(this, cancellation => _writer.Write().WaitAsync(cancellation), ex => LogFlushFailed(logger, ex, this.GetPrimaryKeyString()), WriteInterval);

    private KpiWeekState S => _writer.State;

    private string CommunityId => KpiWeekKey.Parse(this.GetPrimaryKeyString()).CommunityId;

    public Task Record(KpiMemberActivity activity)
    {
        if (_renamed.TryGet(activity.UserId, out var pseudonym))
        {
            activity = activity with { UserId = pseudonym };
        }

        var member = Day(activity.Day).Members.TryGetValue(activity.UserId, out var existing) ? existing : Day(activity.Day).Members[activity.UserId] = new KpiMemberDay();
        member.Tags = [.. activity.Tags];
        member.Active |= activity.Active;
        member.Messages += activity.Messages;
        member.Threads += activity.Threads;
        member.Replies += activity.Replies;
        member.ReactionsReceived += activity.ReactionsReceived;
        foreach (var s in activity.Sentiment ?? [])
        {
            Cell(Day(activity.Day), activity.Tags, s.Source, s.ChannelId, s.CampaignId).Add(s.Negative, s.Neutral, s.Positive);
        }

        return Changed(activity.Day);
    }

    public Task RecordMany(IReadOnlyList<KpiMemberActivity> activities)
    {
        foreach (var activity in activities)
        {
            Record(activity);
        }

        return Task.CompletedTask;
    }

    public Task Joined(string userId, DateOnly day)
    {
        Day(day).Joined.Add(userId);
        return Changed(day);
    }

    public Task Sample(KpiSample sample)
    {
        var samples = Day(sample.Day).Samples;
        if (samples.Count < MaxSamplesPerDay || samples.ContainsKey(sample.Key))
        {
            samples[sample.Key] = sample;
        }

        return Changed(sample.Day);
    }

    public Task Survey(KpiSurvey survey)
    {
        var surveys = Day(survey.Day).Surveys;
        if (surveys.Count < MaxSamplesPerDay || surveys.ContainsKey(survey.Key))
        {
            surveys[survey.Key] = survey;
        }

        return Changed(survey.Day);
    }

    private static KpiSentimentCell Cell(KpiDayState day, IReadOnlyList<string> tags, string source, string? channelId, string? campaignId)
    {
        var key = KpiSentimentCell.Key(tags, source, channelId, campaignId);
        if (!day.Sentiment.TryGetValue(key, out var cell))
        {
            day.Sentiment[key] = cell = new KpiSentimentCell { Tags = [.. tags], Source = source, ChannelId = channelId, CampaignId = campaignId };
        }

        return cell;
    }

    public Task<IReadOnlyList<KpiDaySlice>> Read(Segment segment) =>
        Task.FromResult<IReadOnlyList<KpiDaySlice>>([.. S.Days.OrderBy(d => d.Key).Select(d => Slice(d.Key, d.Value, segment))]);

    private static KpiDaySlice Slice(DateOnly day, KpiDayState s, Segment segment)
    {
        var members = s.Members.Where(m => KpiMath.Matches(segment, m.Value.Tags)).ToList();
        var samples = s.Samples.Values.Where(x => KpiMath.Matches(segment, x.Tags)).ToList();
        return new KpiDaySlice(day,
            [.. members.Where(m => m.Value.Active).Select(m => m.Key)],
            members.Sum(m => (long)m.Value.Messages), members.Sum(m => (long)m.Value.Threads), members.Sum(m => (long)m.Value.Replies),
            members.Sum(m => (long)m.Value.ReactionsReceived),
            // Joins carry no profile (it is filled in later), so cohorts are community-wide only.
            segment.Where.Count == 0 ? [.. s.Joined] : [],
            [.. samples.Where(x => x.Kind == KpiSampleKinds.FirstReply).Select(x => x.Seconds)],
            [.. samples.Where(x => x.Kind == KpiSampleKinds.AcceptedAnswer).Select(x => x.Seconds)],
            [.. s.Surveys.Values.Where(x => KpiMath.Matches(segment, x.Tags)).Select(x => (x.Satisfaction, x.Nps))],
            Sentiment(s, segment));
    }

    /// <summary>The day's scored texts in the segment, summed per source, channel and campaign (survey comments by their answers).</summary>
    private static IReadOnlyList<KpiSentimentCount> Sentiment(KpiDayState s, Segment segment) =>
        [.. s.Sentiment.Values.Where(c => KpiMath.Matches(segment, c.Tags)).Select(c => new KpiSentimentCount(c.Source, c.ChannelId, c.CampaignId, c.Negative, c.Neutral, c.Positive))
            .Concat(s.Surveys.Values.Where(x => SentimentLabels.IsKnown(x.Sentiment) && KpiMath.Matches(segment, x.Tags)).Select(x => new KpiSentimentCount(SentimentSources.SurveyComment, null, null,
                x.Sentiment == SentimentLabels.Negative ? 1 : 0, x.Sentiment == SentimentLabels.Neutral ? 1 : 0, x.Sentiment == SentimentLabels.Positive ? 1 : 0)))
            .GroupBy(c => (c.Source, c.ChannelId, c.CampaignId))
            .Select(g => new KpiSentimentCount(g.Key.Source, g.Key.ChannelId, g.Key.CampaignId, g.Sum(c => c.Negative), g.Sum(c => c.Neutral), g.Sum(c => c.Positive)))];

    public Task<KpiMemberTrace> CollectMember(string userId)
    {
        var days = S.Days.OrderBy(d => d.Key).ToList();
        return Task.FromResult(new KpiMemberTrace(
            [.. days.Select(d => (Day: d.Key, Member: d.Value.Members.GetValueOrDefault(userId))).Where(d => d.Member is not null)
                .Select(d => new KpiMemberActivity(userId, d.Day, d.Member!.Tags, d.Member.Active, d.Member.Messages, d.Member.Threads, d.Member.Replies, d.Member.ReactionsReceived))],
            [.. days.Where(d => d.Value.Joined.Contains(userId)).Select(d => d.Key)],
            [.. days.SelectMany(d => d.Value.Surveys.Where(s => SurveyOf(s.Key, userId)).Select(s => s.Value))]));
    }

    private static bool SurveyOf(string key, string userId) => key.EndsWith($":{userId}", StringComparison.Ordinal);

    public async Task Pseudonymise(string userId, string pseudonym)
    {
        _renamed.Add(userId, pseudonym);
        var changed = false;
        foreach (var day in S.Days.Values)
        {
            if (day.Members.Remove(userId, out var activity))
            {
                day.Members[pseudonym] = activity;
                changed = true;
            }

            if (day.Joined.Remove(userId))
            {
                day.Joined.Add(pseudonym);
                changed = true;
            }

            foreach (var key in day.Surveys.Keys.Where(k => SurveyOf(k, userId)).ToList())
            {
                day.Surveys.Remove(key, out var survey);
                var renamed = $"{key[..^userId.Length]}{pseudonym}";
                // The comment's sentiment leaves the answer for the day's counts: no label stays tied to the member.
                if (SentimentLabels.IsKnown(survey!.Sentiment))
                {
                    Cell(day, survey.Tags, SentimentSources.SurveyComment, null, null).Add(survey.Sentiment == SentimentLabels.Negative ? 1 : 0, survey.Sentiment == SentimentLabels.Neutral ? 1 : 0, survey.Sentiment == SentimentLabels.Positive ? 1 : 0);
                }

                day.Surveys[renamed] = survey with { Key = renamed, Sentiment = null };
                changed = true;
            }
        }

        if (changed)
        {
            await _writer.Write();
        }
    }

    private KpiDayState Day(DateOnly day) => S.Days.TryGetValue(day, out var s) ? s : S.Days[day] = new KpiDayState();

    private Task Changed(DateOnly day)
    {
        _changed.Add(day);
        Publishes.Changed();
        Writes.Changed();
        return Task.CompletedTask;
    }

    /// <summary>Each changed day's row for managers' dashboards, from memory (the write follows within <see cref="WriteInterval"/>).</summary>
    private async Task Publish(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(StreamNames.Provider).GetStream<KpiStreamEvent>(StreamNames.ForKpis(CommunityId));
        foreach (var day in _changed.Order().ToList())
        {
            await stream.OnNextAsync(new KpiUpdated(KpiMath.Row(CommunityId, Slice(day, S.Days[day], Segment.Everyone)))).WaitAsync(cancellationToken);
            _changed.Remove(day);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await Publishes.Flush(cancellationToken);
        await Writes.Flush(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing or publishing KPI bucket {Bucket} failed; will retry")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, string bucket);
}

/// <summary>Checks the caller and the range, reads the week buckets in parallel and computes the report.</summary>
[Orleans.Concurrency.StatelessWorker]
public sealed class CommunityKpisGrain(Access.AccessRulesCache accessRules) : Grain, ICommunityKpisGrain
{
    public async Task<KpiReport> Report(DateOnly from, DateOnly to, Segment segment, Actor caller)
    {
        var communityId = this.GetPrimaryKeyString();
        var reader = await Moderation.ModerationRoles.Require(GrainFactory, communityId, caller, Access.Permissions.ViewKpis, "Reading KPIs needs the view_kpis permission (admins and the owner hold it by default).");
        KpiMath.RequireRange(from, to);
        await GrainFactory.GetGrain<IProfileFieldsGrain>(communityId).RequireValid(segment);
        var weeks = await Task.WhenAll(KpiMath.Weeks(from, to).Select(w => GrainFactory.KpiWeek(new KpiWeekKey(communityId, w)).Read(segment)));
        var report = KpiMath.Report(communityId, from, to, segment, weeks.SelectMany(w => w));
        // Community totals are the community's; a channel's own figures are shown only to those who may view it.
        if (report.SentimentBreakdown is { } breakdown)
        {
            var rules = await accessRules.Get(communityId);
            report = report with
            {
                SentimentBreakdown = breakdown with
                {
                    Channels = [.. breakdown.Channels.Where(c => Access.PermissionResolver.InChannel(rules, reader, c.Key).HasFlag(Access.Permissions.View))],
                },
            };
        }

        return report;
    }
}
