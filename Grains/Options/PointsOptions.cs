using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Options;

/// <summary>Members' points grains, bound from the <c>Points</c> configuration section.</summary>
public sealed class PointsOptions
{
    public const string Section = "Points";

    /// <summary>
    /// How long a points grain gathers awards before it stores them: every award (and its caller) in that time shares
    /// one write, so a member chatting in many channels at once costs one write per window rather than one per channel
    /// round. The award is answered once stored, so a channel's award cursor never passes an award that could be lost.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan WriteDelay { get; set; } = TimeSpan.FromSeconds(1);
}
