using CommunityScale.FollowUps;
using CommunityScale.Insights;

namespace CommunityScale.Communities;

/// <summary>A join counted in its week's KPIs (the day keeps a set of members who joined, so a repeat changes nothing).</summary>
[GenerateSerializer, Alias("cs.fu.RecordJoin")]
public sealed record RecordJoin([property: Id(0)] string CommunityId, [property: Id(1)] string UserId, [property: Id(2)] DateOnly Day) : FollowUp
{
    public override Task Deliver(IGrainFactory grains) =>
        grains.KpiWeek(new KpiWeekKey(CommunityId, KpiMath.Week(Day))).Joined(UserId, Day);
}
