using CommunityScale.FollowUps;

namespace CommunityScale.Insights;

/// <summary>A post-event survey answer for the KPIs (keyed by event and member: a repeat, or a changed answer, replaces it).</summary>
[GenerateSerializer, Alias("cs.fu.RecordSurvey")]
public sealed record RecordSurvey([property: Id(0)] string CommunityId, [property: Id(1)] KpiSurvey Survey) : FollowUp
{
    public override Task Deliver(IGrainFactory grains) => grains.KpiWeek(new KpiWeekKey(CommunityId, KpiMath.Week(Survey.Day))).Survey(Survey);
}
