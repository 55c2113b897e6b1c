namespace CommunityScale.Posting;

/// <summary>At most <c>limit</c> events per key in any window of <c>window</c>. Pure and single-threaded (grain-owned).</summary>
public sealed class SlidingWindowRateLimiter(int limit, TimeSpan window)
{
    /// <summary>Past this many tracked members, idle ones are forgotten before a new one is tracked.</summary>
    public const int PruneAbove = 10_000;

    private readonly Dictionary<string, Queue<DateTimeOffset>> _events = new(StringComparer.Ordinal);

    /// <summary>Records the event if the key is under its limit; otherwise says how long until it would be.</summary>
    public bool TryAcquire(string key, DateTimeOffset now, out TimeSpan retryAfter)
    {
        if (!_events.TryGetValue(key, out var times))
        {
            // A busy channel sees many members over its life; only those inside the window need remembering.
            if (_events.Count >= PruneAbove)
            {
                Prune(now);
            }

            // Sized for the usual small limit; a huge configured limit must not pre-allocate per member.
            times = new Queue<DateTimeOffset>(Math.Min(limit, 16));
            _events[key] = times;
        }

        while (times.Count > 0 && now - times.Peek() >= window)
        {
            times.Dequeue();
        }

        if (times.Count >= limit)
        {
            retryAfter = window - (now - times.Peek());
            return false;
        }

        times.Enqueue(now);
        retryAfter = TimeSpan.Zero;
        return true;
    }

    /// <summary>Forgets keys whose events have all left the window, so idle members cost no memory.</summary>
    public void Prune(DateTimeOffset now)
    {
        foreach (var (key, times) in _events)
        {
            if (times.Count == 0 || now - times.Last() >= window)
            {
                _events.Remove(key);
            }
        }
    }

    public int TrackedKeys => _events.Count;
}
