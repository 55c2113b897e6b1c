namespace CommunityScale.Chat;

/// <summary>
/// An accepted, durably stored chat message; also the payload of the <c>ChannelMessage</c> hub event. It carries the
/// author's <see cref="ClientMessageId"/> so the sender can match its own echo, and so the channel can recognise a
/// retried send from its stored tail after a restart.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ChatMessage")]
public sealed record ChatMessage(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string ChannelId,
    [property: Id(2)] long Seq,
    [property: Id(3)] string MessageId,
    [property: Id(4)] string AuthorId,
    [property: Id(5)] string AuthorName,
    [property: Id(6)] string Text,
    [property: Id(7)] DateTimeOffset SentAt,
    [property: Id(8)] string ClientMessageId,
    [property: Id(9)] bool Removed = false,
    [property: Id(10)] DateTimeOffset? EditedAt = null,
    [property: Id(11)] IReadOnlyDictionary<string, int>? Reactions = null,
    [property: Id(12)] IReadOnlyList<Posting.AttachmentInfo>? Attachments = null,
    [property: Id(13)] bool MentionsEveryone = false)
{
    /// <summary>What history keeps of a removed message: its place in the sequence, who sent it, not what it said.</summary>
    public ChatMessage AsRemoved() => this with { Text = "", Removed = true, Reactions = null, Attachments = null, MentionsEveryone = false };
}

/// <summary>A message's reaction counts after a change (the payload of <c>MessageReactions</c>), and the caller's own (<see cref="Mine"/>, null in the event).</summary>
[GenerateSerializer, Immutable, Alias("cs.MessageReactionCounts")]
public sealed record MessageReactionCounts(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string ChannelId,
    [property: Id(2)] long Seq,
    [property: Id(3)] IReadOnlyDictionary<string, int> Counts,
    [property: Id(4)] IReadOnlyList<string>? Mine);

/// <summary>What a reactions page answers to a toggle: the counts, the caller's reactions, and whether anything changed.</summary>
[GenerateSerializer, Immutable, Alias("cs.ReactionToggle")]
public sealed record ReactionToggle(
    [property: Id(0)] IReadOnlyDictionary<string, int> Counts,
    [property: Id(1)] IReadOnlyList<string> Mine,
    [property: Id(2)] bool Changed);

/// <summary>The payload of the <c>MessageRemoved</c> hub event.</summary>
[GenerateSerializer, Immutable, Alias("cs.MessageRemovedNotice")]
public sealed record MessageRemovedNotice(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string ChannelId,
    [property: Id(2)] long Seq,
    [property: Id(3)] string MessageId);

/// <summary>A fan's send: <see cref="ClientMessageId"/> makes a retried send idempotent.</summary>
[GenerateSerializer, Immutable, Alias("cs.SendMessageCommand")]
public sealed record SendMessageCommand(
    [property: Id(0)] string AuthorId,
    [property: Id(1)] string AuthorName,
    [property: Id(2)] string Text,
    [property: Id(3)] string ClientMessageId,
    [property: Id(4)] IReadOnlyList<string>? AttachmentIds = null);

/// <summary>A page of history: messages in <c>seq</c> order, the channel's last <c>seq</c>, and whether more follow the page.</summary>
[GenerateSerializer, Immutable, Alias("cs.HistoryPage")]
public sealed record HistoryPage(
    [property: Id(0)] long LastSeq,
    [property: Id(1)] IReadOnlyList<ChatMessage> Messages,
    [property: Id(2)] bool HasMore);
