using CommunityScale.Communities;

namespace CommunityScale.Insights;

/// <summary>What one member did on one UTC day (a delta, reported by their points grain after each batch of activity).</summary>
[GenerateSerializer, Immutable, Alias("cs.KpiMemberActivity")]
public sealed record KpiMemberActivity(
    [property: Id(0)] string UserId,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] IReadOnlyList<string> Tags,
    [property: Id(3)] bool Active,
    [property: Id(4)] int Messages,
    [property: Id(5)] int Threads,
    [property: Id(6)] int Replies,
    [property: Id(7)] int ReactionsReceived,
    [property: Id(8)] IReadOnlyList<KpiSentimentCount>? Sentiment = null);

/// <summary>The sentiment classes texts are scored into (the shipped sentiment model's labels).</summary>
public static class SentimentLabels
{
    public const string Negative = "negative";
    public const string Neutral = "neutral";
    public const string Positive = "positive";

    public static bool IsKnown(string? label) => label is Negative or Neutral or Positive;
}

/// <summary>What was scored: chat messages, thread openings and replies by their action kind; survey comments.</summary>
public static class SentimentSources
{
    public const string SurveyComment = "survey_comment";
}

/// <summary>
/// Scored texts per class for one source kind, channel (chat only) and campaign. A count without a campaign counts each
/// text once; one with a campaign repeats it for that campaign (a text may count for several).
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.KpiSentimentCount")]
public sealed record KpiSentimentCount(
    [property: Id(0)] string Source,
    [property: Id(1)] string? ChannelId,
    [property: Id(2)] string? CampaignId,
    [property: Id(3)] long Negative,
    [property: Id(4)] long Neutral,
    [property: Id(5)] long Positive);

/// <summary>Counts of scored texts per class and each class's share of them (0 when nothing was scored).</summary>
[GenerateSerializer, Immutable, Alias("cs.KpiSentimentShares")]
public sealed record KpiSentimentShares(
    [property: Id(0)] long Scored,
    [property: Id(1)] long Negative,
    [property: Id(2)] long Neutral,
    [property: Id(3)] long Positive,
    [property: Id(4)] double NegativeShare,
    [property: Id(5)] double NeutralShare,
    [property: Id(6)] double PositiveShare)
{
    public static KpiSentimentShares None { get; } = new(0, 0, 0, 0, 0, 0, 0);
}

/// <summary>Sentiment of one group in a report's range (a channel, a campaign, or a source kind).</summary>
[GenerateSerializer, Immutable, Alias("cs.KpiSentimentGroup")]
public sealed record KpiSentimentGroup([property: Id(0)] string Key, [property: Id(1)] KpiSentimentShares Sentiment);

/// <summary>A report's sentiment broken down by channel, campaign and source kind (<see cref="SentimentSources"/>, action kinds).</summary>
[GenerateSerializer, Immutable, Alias("cs.KpiSentimentBreakdown")]
public sealed record KpiSentimentBreakdown(
    [property: Id(0)] IReadOnlyList<KpiSentimentGroup> Channels,
    [property: Id(1)] IReadOnlyList<KpiSentimentGroup> Campaigns,
    [property: Id(2)] IReadOnlyList<KpiSentimentGroup> Sources);

public static class KpiSampleKinds
{
    public const string FirstReply = "first_reply";
    public const string AcceptedAnswer = "accepted_answer";
}

/// <summary>A response time: from a thread's creation to its first reply by someone else, or to its accepted answer.</summary>
[GenerateSerializer, Immutable, Alias("cs.KpiSample")]
public sealed record KpiSample(
    [property: Id(0)] string Key,
    [property: Id(1)] string Kind,
    [property: Id(2)] DateOnly Day,
    [property: Id(3)] double Seconds,
    [property: Id(4)] IReadOnlyList<string> Tags);

/// <summary>What the KPI buckets hold about one member: their activity per day, the days they joined, their survey ratings.</summary>
[GenerateSerializer, Immutable, Alias("cs.KpiMemberTrace")]
public sealed record KpiMemberTrace(
    [property: Id(0)] IReadOnlyList<KpiMemberActivity> Days,
    [property: Id(1)] IReadOnlyList<DateOnly> Joined,
    [property: Id(2)] IReadOnlyList<KpiSurvey> Surveys)
{
    public static KpiMemberTrace Empty { get; } = new([], [], []);

    public KpiMemberTrace Merge(KpiMemberTrace other) => new([.. Days, .. other.Days], [.. Joined, .. other.Joined], [.. Surveys, .. other.Surveys]);
}

/// <summary>
/// One post-event survey answer (a second answer by the same member replaces it, under the same key), with its comment's
/// sentiment label (the comment stays with the survey).
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.KpiSurvey")]
public sealed record KpiSurvey(
    [property: Id(0)] string Key,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] int Satisfaction,
    [property: Id(3)] int Nps,
    [property: Id(4)] IReadOnlyList<string> Tags,
    [property: Id(5)] string? Sentiment = null);

/// <summary>One day of a week bucket, filtered by a segment: who was active and the day's sums.</summary>
[GenerateSerializer, Immutable, Alias("cs.KpiDaySlice")]
public sealed record KpiDaySlice(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] IReadOnlyList<string> Active,
    [property: Id(2)] long Messages,
    [property: Id(3)] long Threads,
    [property: Id(4)] long Replies,
    [property: Id(5)] long Reactions,
    [property: Id(6)] IReadOnlyList<string> Joined,
    [property: Id(7)] IReadOnlyList<double> FirstReplySeconds,
    [property: Id(8)] IReadOnlyList<double> AcceptedAnswerSeconds,
    [property: Id(9)] IReadOnlyList<(int Satisfaction, int Nps)> Surveys,
    [property: Id(10)] IReadOnlyList<KpiSentimentCount>? Sentiment = null);

/// <summary>A day's figures: the rows of the daily series, and the payload of the live <c>KpiUpdated</c> event.</summary>
[GenerateSerializer, Immutable, Alias("cs.KpiDayRow")]
public sealed record KpiDayRow(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] long ActiveMembers,
    [property: Id(3)] long Posts,
    [property: Id(4)] long Reactions,
    [property: Id(5)] long Replies,
    [property: Id(6)] double EngagementPerPost,
    [property: Id(7)] long Joined,
    [property: Id(8)] KpiSentimentShares? Sentiment = null);

[GenerateSerializer, Immutable, Alias("cs.KpiPeriodRow")]
public sealed record KpiPeriodRow(
    [property: Id(0)] string Period, [property: Id(1)] long ActiveMembers, [property: Id(2)] long Posts, [property: Id(3)] KpiSentimentShares? Sentiment = null);

[GenerateSerializer, Immutable, Alias("cs.CohortWeek")]
public sealed record CohortWeek([property: Id(0)] string Week, [property: Id(1)] long Active, [property: Id(2)] double Share);

/// <summary>Members who joined in <see cref="JoinWeek"/>, and how many of them were active in each week since.</summary>
[GenerateSerializer, Immutable, Alias("cs.CohortRow")]
public sealed record CohortRow([property: Id(0)] string JoinWeek, [property: Id(1)] long Size, [property: Id(2)] IReadOnlyList<CohortWeek> Weeks);

[GenerateSerializer, Immutable, Alias("cs.KpiTotals")]
public sealed record KpiTotals(
    [property: Id(0)] long ActiveMembers,
    [property: Id(1)] long Posts,
    [property: Id(2)] long Messages,
    [property: Id(3)] long Threads,
    [property: Id(4)] long Replies,
    [property: Id(5)] long Reactions,
    [property: Id(6)] double EngagementPerPost,
    [property: Id(7)] long FirstReplies,
    [property: Id(8)] double? FirstReplyMedianMinutes,
    [property: Id(9)] long AcceptedAnswers,
    [property: Id(10)] double? AcceptedAnswerMedianMinutes,
    [property: Id(11)] long SurveyAnswers,
    [property: Id(12)] double? AverageSatisfaction,
    [property: Id(13)] double? Csat,
    [property: Id(14)] double? Nps,
    [property: Id(15)] long Joined,
    [property: Id(16)] KpiSentimentShares? Sentiment = null);

/// <summary>A community's KPIs over [<see cref="From"/>, <see cref="To"/>] (UTC days, both included), for a segment.</summary>
[GenerateSerializer, Immutable, Alias("cs.KpiReport")]
public sealed record KpiReport(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] DateOnly From,
    [property: Id(2)] DateOnly To,
    [property: Id(3)] string Segment,
    [property: Id(4)] KpiTotals Totals,
    [property: Id(5)] IReadOnlyList<KpiDayRow> Days,
    [property: Id(6)] IReadOnlyList<KpiPeriodRow> Weeks,
    [property: Id(7)] IReadOnlyList<KpiPeriodRow> Months,
    [property: Id(8)] IReadOnlyList<CohortRow> Cohorts,
    [property: Id(9)] KpiSentimentBreakdown? SentimentBreakdown = null);

/// <summary>
/// One ISO week of a community's activity (key: <c>community/2026-W48</c>), with a day-by-day record per member, the
/// week's joins, response times and survey answers. Written behind once a second; publishes <c>KpiUpdated</c>.
/// </summary>
[Alias("cs.IKpiWeekGrain")]
public interface IKpiWeekGrain : IGrainWithStringKey
{
    [Orleans.Concurrency.OneWay]
    [Alias("Record")]
    Task Record(KpiMemberActivity activity);

    /// <summary>
    /// Several members' activity in one call: what a silo's points grains reported within <c>Points:BoardDelay</c>
    /// (<c>GatheredUpdates</c>), each applied as <see cref="Record"/> would. One-way, like <see cref="Record"/>, which
    /// stays for a silo of an earlier build during a rolling upgrade (one of those would drop a <c>RecordMany</c>).
    /// </summary>
    [Orleans.Concurrency.OneWay]
    [Alias("RecordMany")]
    Task RecordMany(IReadOnlyList<KpiMemberActivity> activities);

    [Orleans.Concurrency.OneWay]
    [Alias("Joined")]
    Task Joined(string userId, DateOnly day);

    [Alias("Sample")]
    Task Sample(KpiSample sample);

    /// <summary>A survey answer (replaces the one under its key). Answered, not one-way: the survey's outbox must know it arrived.</summary>
    [Alias("Survey")]
    Task Survey(KpiSurvey survey);

    [Alias("Read")]
    Task<IReadOnlyList<KpiDaySlice>> Read(Segment segment);

    /// <summary>Export: what <see cref="Pseudonymise"/> would rename.</summary>
    [Alias("CollectMember")]
    Task<KpiMemberTrace> CollectMember(string userId);

    /// <summary>Erasure: the member's entries count on under the pseudonym, so past figures do not change.</summary>
    [Alias("Pseudonymise")]
    Task Pseudonymise(string userId, string pseudonym);
}

/// <summary>Computes a community's KPI report from its week buckets (key: community id; managers only).</summary>
[Alias("cs.ICommunityKpisGrain")]
public interface ICommunityKpisGrain : IGrainWithStringKey
{
    [Alias("Report")]
    Task<KpiReport> Report(DateOnly from, DateOnly to, Segment segment, Actor caller);
}
