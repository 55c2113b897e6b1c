namespace CommunityScale.Scheduling;

/// <summary>
/// Spreads periodic work of many grains that started together. Grains activated by one burst (a room filling up, a
/// silo restart, the many-channels bench's 100 senders in 4 communities: 400 points grains within a second) would
/// otherwise write in the same instant every period, hundreds of storage writes at once that the journal's writes
/// (what acks wait for) queue behind at the store.
/// </summary>
public static class Jitter
{
    /// <summary>A random time between three quarters of <paramref name="period"/> and all of it: never later than the period promised.</summary>
    public static TimeSpan Below(TimeSpan period) => period * (0.75 + (0.25 * Random.Shared.NextDouble()));
}
