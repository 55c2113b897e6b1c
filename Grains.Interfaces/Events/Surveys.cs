using CommunityScale.Communities;

namespace CommunityScale.Events;

/// <summary>A member's post-event survey answer: satisfaction 1–5, NPS 0–10, an optional comment.</summary>
[GenerateSerializer, Immutable, Alias("cs.SurveyAnswer")]
public sealed record SurveyAnswer(
    [property: Id(0)] int Satisfaction,
    [property: Id(1)] int Nps,
    [property: Id(2)] string? Comment);

/// <summary>
/// An event's survey results: CSAT = share of answers rating 4 or 5 (percent); NPS = percent promoters (9–10) minus
/// percent detractors (0–6), from −100 to 100; the latest comments.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.SurveyResults")]
public sealed record SurveyResults(
    [property: Id(0)] string EventId,
    [property: Id(1)] int Answers,
    [property: Id(2)] double AverageSatisfaction,
    [property: Id(3)] double Csat,
    [property: Id(4)] double Nps,
    [property: Id(5)] IReadOnlyList<int> SatisfactionCounts,
    [property: Id(6)] IReadOnlyList<string> Comments);

/// <summary>An event's post-event survey (key: <c>community/event</c>): one answer per member (a second replaces the first).</summary>
[Alias("cs.ISurveyGrain")]
public interface ISurveyGrain : IGrainWithStringKey, Privacy.IHoldsMemberData
{
    [Alias("Answer")]
    Task<SurveyAnswer> Answer(SurveyAnswer answer, Actor member);

    /// <summary>The organiser's view (admins).</summary>
    [Alias("Results")]
    Task<SurveyResults> Results(Actor caller);
}
