namespace CommunityScale;

/// <summary>
/// Which of N buckets a key falls in, the same in every process and after every restart (string.GetHashCode differs
/// per process): FNV-1a over the key's characters. Board shards, journal partitions and grain-state partitions are
/// placed by it, so it must never change.
/// </summary>
public static class StableHash
{
    public static int Bucket(string key, int buckets)
    {
        var hash = 2166136261u;
        foreach (var ch in key)
        {
            hash = (hash ^ ch) * 16777619u;
        }

        return (int)(hash % (uint)Math.Max(1, buckets));
    }
}
