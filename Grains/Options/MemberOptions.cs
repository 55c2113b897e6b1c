using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Options;

/// <summary>Members' grains, bound from the <c>Members</c> configuration section.</summary>
public sealed class MemberOptions
{
    public const string Section = "Members";

    /// <summary>
    /// How long a member grain keeps its activity counts (accepted messages, days active: what trust levels are earned
    /// by) in memory before it writes them: at most one write per member per period, however much they chat. Trust
    /// counts are not acknowledged data: a silo that dies loses at most this much of a member's counts (a new day, a new
    /// trust level and every change a member or moderator makes are written at once). The outbox's delivered marks ride
    /// the same write, so after a crash up to a period of a member's follow-ups go again (their receivers ignore
    /// repeats). Shorter costs a member write per few messages in a quiet community (10 s: 0.15–0.19 writes a message in
    /// the many-channels benchmark, about a quarter of the storage requests there); longer keeps a lost silo's counts
    /// further behind.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ActivityWritePeriod { get; set; } = TimeSpan.FromSeconds(60);
}
