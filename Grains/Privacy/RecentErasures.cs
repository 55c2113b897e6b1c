namespace CommunityScale.Privacy;

/// <summary>
/// The members a derived view erased within the last minute, each with what now stands for them (a pseudonym, or nothing).
/// Updates gathered on a silo (<c>GatheredUpdates</c>) or in flight when a member was erased can arrive after the
/// erasure; a view that asks here drops or renames them. A minute is the sum of the bounds with room to spare: a points
/// window (<c>Points:WriteDelay</c>, ≤ 30 s), its write, and the silo's gathering (<c>Points:BoardDelay</c>, ≤ 10 s).
/// In memory: a view that deactivates within the minute forgets.
/// </summary>
public sealed class RecentErasures<T>
{
    private static readonly TimeSpan Memory = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, (T Standing, DateTime At)> _erased = new(StringComparer.Ordinal);

    /// <summary>Remembers <paramref name="userId"/>'s erasure (and forgets those older than a minute, which guard nothing any more).</summary>
    public void Add(string userId, T standing)
    {
        var now = DateTime.UtcNow;
        foreach (var expired in _erased.Where(e => now - e.Value.At >= Memory).Select(e => e.Key).ToList())
        {
            _erased.Remove(expired);
        }

        _erased[userId] = (standing, now);
    }

    /// <summary>Whether <paramref name="userId"/> was erased within the last minute, and what stands for them.</summary>
    public bool TryGet(string userId, out T standing)
    {
        var found = _erased.TryGetValue(userId, out var entry) && DateTime.UtcNow - entry.At < Memory;
        standing = found ? entry.Standing : default!;
        return found;
    }
}
