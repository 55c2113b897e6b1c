namespace CommunityScale.Chat;

/// <summary>
/// How often a channel's online count may be published. Every member of the channel receives each count, so unpaced
/// presence costs a channel O(members) deliveries per change: a 40,000-fan channel filling up through four gateways
/// can change its count four times a second, 160,000 deliveries a second for a number nobody reads that closely,
/// several times what the chat itself gets on a 2-core machine. A count waits at least <c>online ÷ budget</c> since the last one, so presence
/// costs any channel at most about <c>budget</c> deliveries a second, and never longer than <c>maxInterval</c>, so a
/// big channel's count is never older than that. Small channels are not slowed: 50 members wait 50 ms at a budget of
/// 1,000.
/// </summary>
public static class PresencePacing
{
    public static TimeSpan Interval(int online, int deliveriesPerSecond, TimeSpan maxInterval)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(deliveriesPerSecond);
        var seconds = Math.Max(0, online) / (double)deliveriesPerSecond;
        return seconds >= maxInterval.TotalSeconds ? maxInterval : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>How long a count that changed at <paramref name="now"/> must still wait (zero: publish now).</summary>
    public static TimeSpan Wait(DateTimeOffset lastPublishedAt, int publishedOnline, int online, DateTimeOffset now, int deliveriesPerSecond, TimeSpan maxInterval)
    {
        // The larger audience sets the pace: a count falling from 40,000 is still received by most of them.
        var due = lastPublishedAt + Interval(Math.Max(publishedOnline, online), deliveriesPerSecond, maxInterval);
        return due > now ? due - now : TimeSpan.Zero;
    }
}
