using CommunityScale.FollowUps;
using CommunityScale.Communities;

namespace CommunityScale.Chat;

/// <summary>What a channel stores in its own record (sealed history lives in pages).</summary>
[GenerateSerializer, Alias("cs.ChannelState")]
public sealed class ChannelState
{
    [Id(0)] public ChannelInfo? Info { get; set; }

    [Id(1)] public long LastSeq { get; set; }

    /// <summary>Every message with a seq up to this one is in a sealed history page.</summary>
    [Id(2)] public long SealedThroughSeq { get; set; }

    /// <summary>Messages SealedThroughSeq+1 .. LastSeq, in order. Bounded: it never exceeds two pages.</summary>
    [Id(3)] public List<ChatMessage> Tail { get; set; } = [];

    [Id(4)] public int PageSize { get; set; }

    /// <summary>Seconds a member must wait between messages; 0 = off. Set by moderators.</summary>
    [Id(5)] public int SlowModeSeconds { get; set; }

    /// <summary>Every message up to this seq has had its follow-ups taken (see <see cref="ChannelAwards"/>).</summary>
    [Id(6)] public long ActivityThroughSeq { get; set; }

    /// <summary>Retention: sealed pages below this index hold only tombstones already.</summary>
    [Id(7)] public long PurgedBeforePage { get; set; }

    /// <summary>Follow-ups of edits, reactions, removals and moderators' changes still owed.</summary>
    [Id(8)] public OutboxState Outbox { get; set; } = new();
}
