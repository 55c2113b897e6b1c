using CommunityScale.FollowUps;

namespace CommunityScale.Threads;

/// <summary>What a thread stores in its own record (its posts live in pages).</summary>
[GenerateSerializer, Alias("cs.ThreadState")]
public sealed class ThreadState
{
    [Id(0)] public ThreadSummary? Summary { get; set; }

    /// <summary>The last stored post; pages may hold a later one from a write that failed half-way, which reads ignore.</summary>
    [Id(1)] public long LastSeq { get; set; }

    [Id(2)] public HashSet<string> Followers { get; set; } = new(StringComparer.Ordinal);

    [Id(3)] public HashSet<string> Voters { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The latest replies' <c>author/clientPostId</c> → seq, oldest first, so a retried reply is answered, not repeated.</summary>
    [Id(4)] public List<KeyValuePair<string, long>> RecentClientPosts { get; set; } = [];

    // Id 5 (a stored copy of the forum settings) is retired: an activation always read them afresh from the directory.

    /// <summary>Response times are measured once per thread: the first reply by someone else, the first accepted answer.</summary>
    [Id(6)] public bool FirstReplyMeasured { get; set; }

    [Id(7)] public bool AnswerMeasured { get; set; }

    /// <summary>Points, notices, webhooks, audit entries, KPI samples, search and listing updates still owed.</summary>
    [Id(8)] public OutboxState Outbox { get; set; } = new();
}
