using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Options;

/// <summary>Members' points grains, bound from the <c>Points</c> configuration section.</summary>
public sealed class PointsOptions
{
    public const string Section = "Points";

    /// <summary>
    /// How long, at most, a points grain gathers chat awards before it stores them (a random 75–100 % of it, so grains that
    /// started together do not write together; <c>Jitter</c>): every channel round handed to it in that time
    /// shares one write and one trust count, so a member chatting in many channels costs one write per window rather
    /// than one per round. Awards are applied (the live stream hears) when handed over; the boards, KPIs and trust level
    /// follow the write. A channel's round waits for the write, so its award cursor never passes an award that could be
    /// lost. Other awards (threads, reactions, events) are written at once. At most 30 s: the channel's wait
    /// (<c>IMemberPointsGrain.Stored</c>) has a response timeout of its own, 60 s, that must cover the delay and the write.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan WriteDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the totals that a silo's points grains send to the boards, their change-feed marks and their KPI deltas
    /// gather before one call per board shard, one per community's feed and one per KPI week carries them
    /// (<c>GatheredUpdates</c>): boards and KPIs hear of an award about this much after its write (a flush waits for the
    /// one before it). Zero sends each write's updates on their own, as soon as possible.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan BoardDelay { get; set; } = TimeSpan.FromSeconds(1);
}
