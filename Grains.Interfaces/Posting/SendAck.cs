namespace CommunityScale.Posting;

/// <summary>
/// The acknowledgement of a chat message or a forum reply: given only once it is durably stored. <see cref="Held"/>:
/// automatic moderation held it for review instead; it has no <c>seq</c> (0) until a moderator approves it, and
/// <see cref="MessageId"/> is its id in the moderation queue.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.SendAck")]
public sealed record SendAck([property: Id(0)] long Seq, [property: Id(1)] string MessageId, [property: Id(2)] bool Held = false);
