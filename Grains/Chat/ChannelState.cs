using CommunityScale.FollowUps;
using CommunityScale.Communities;

namespace CommunityScale.Chat;

/// <summary>
/// What a channel stores in its own record: small metadata only. Its messages are in the chat journal (recent ones,
/// see <see cref="Journal.ChannelJournal"/>) and in sealed history pages; the record is written when something other
/// than a send changes (an edit, a reaction, a moderator's setting), when compaction seals a page, and on deactivation.
/// </summary>
[GenerateSerializer, Alias("cs.ChannelState")]
public sealed class ChannelState
{
    [Id(0)] public ChannelInfo? Info { get; set; }

    /// <summary>The last seq as of the record's last write; the journal may hold later ones (read on activation).</summary>
    [Id(1)] public long LastSeq { get; set; }

    /// <summary>Every message with a seq up to this one is in a sealed history page.</summary>
    [Id(2)] public long SealedThroughSeq { get; set; }

    /// <summary>Where the tail lived before the journal; an activation moves what it finds here into the journal.</summary>
    [Id(3)] public List<ChatMessage> LegacyTail { get; set; } = [];

    [Id(4)] public int PageSize { get; set; }

    /// <summary>Seconds a member must wait between messages; 0 = off. Set by moderators.</summary>
    [Id(5)] public int SlowModeSeconds { get; set; }

    /// <summary>Every message up to this seq has had its follow-ups taken (see <see cref="ChannelAwards"/>); a checkpoint, written behind.</summary>
    [Id(6)] public long ActivityThroughSeq { get; set; }

    /// <summary>Retention: sealed pages below this index hold only tombstones already.</summary>
    [Id(7)] public long PurgedBeforePage { get; set; }

    /// <summary>Follow-ups of edits, reactions, removals and moderators' changes still owed.</summary>
    [Id(8)] public OutboxState Outbox { get; set; } = new();

    /// <summary>
    /// Unsealed messages changed since they were journalled (edited, reacted to, removed, erased), by seq: they win over
    /// the journal's rows, and are stored in the same write as the follow-ups the change owes. Sealing drops them.
    /// </summary>
    [Id(9)] public Dictionary<long, ChatMessage> Changed { get; set; } = [];

    /// <summary>The journal partition count the channel was created with (0: created before the journal).</summary>
    [Id(10)] public int JournalPartitions { get; set; }
}
