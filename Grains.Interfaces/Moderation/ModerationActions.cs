using CommunityScale.Communities;

namespace CommunityScale.Moderation;

/// <summary>One line of a community's append-only audit log: who did what to whom, when and why.</summary>
[GenerateSerializer, Immutable, Alias("cs.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] long Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Actor,
    [property: Id(3)] string Action,
    [property: Id(4)] string Target,
    [property: Id(5)] string Reason);

/// <summary>A page of the audit log, newest first; pass <see cref="NextBefore"/> as <c>before</c> for older entries.</summary>
[GenerateSerializer, Immutable, Alias("cs.AuditPage")]
public sealed record AuditPage([property: Id(0)] IReadOnlyList<AuditEntry> Entries, [property: Id(1)] long? NextBefore);

/// <summary>A community's audit log (key: community id). Entries are only ever appended.</summary>
[Alias("cs.IAuditLogGrain")]
public interface IAuditLogGrain : IGrainWithStringKey
{
    [Alias("Append")]
    Task<AuditEntry> Append(string actor, string action, string target, string reason);

    /// <summary>Entries with an id below <paramref name="before"/> (all when null), newest first. Moderators and up.</summary>
    [Alias("Read")]
    Task<AuditPage> Read(long? before, int limit, Actor caller);
}

/// <summary>A sealed page of the audit log (key: <c>community/pageIndex</c>).</summary>
[Alias("cs.IAuditPageGrain")]
public interface IAuditPageGrain : IGrainWithStringKey
{
    [Alias("Seal")]
    Task Seal(IReadOnlyList<AuditEntry> entries);

    [Alias("Read")]
    Task<IReadOnlyList<AuditEntry>> Read();
}

/// <summary>Moderator actions on members of a community (key: community id); each is audited.</summary>
[Alias("cs.ICommunityModerationGrain")]
public interface ICommunityModerationGrain : IGrainWithStringKey
{
    [Alias("Mute")]
    Task<MemberInfo> Mute(string userId, TimeSpan duration, string reason, Actor moderator);

    [Alias("Unmute")]
    Task<MemberInfo> Unmute(string userId, Actor moderator);

    [Alias("Ban")]
    Task<MemberInfo> Ban(string userId, string reason, Actor moderator);

    [Alias("Unban")]
    Task<MemberInfo> Unban(string userId, Actor moderator);
}

/// <summary>A message automatic moderation held for review: not delivered, not in history, no seq yet.</summary>
[GenerateSerializer, Immutable, Alias("cs.HeldMessage")]
public sealed record HeldMessage(
    [property: Id(0)] string Id,
    [property: Id(1)] string ChannelId,
    [property: Id(2)] string AuthorId,
    [property: Id(3)] string AuthorName,
    [property: Id(4)] string Text,
    [property: Id(5)] string ClientMessageId,
    [property: Id(6)] string Reason,
    [property: Id(7)] DateTimeOffset HeldAt);

/// <summary>
/// A community's review queue (key: community id): messages held by automatic moderation wait here until a moderator
/// approves (the message is then accepted and gets its <c>seq</c>, so history stays gap-free) or rejects them.
/// </summary>
[Alias("cs.IModerationQueueGrain")]
public interface IModerationQueueGrain : IGrainWithStringKey
{
    /// <summary>Queues a held message; holding the same (channel, author, clientMessageId) again returns the first.</summary>
    [Alias("Hold")]
    Task<HeldMessage> Hold(string channelId, string authorId, string authorName, string text, string clientMessageId, string reason);

    [Alias("List")]
    Task<IReadOnlyList<HeldMessage>> List(Actor moderator);

    [Alias("Approve")]
    Task<Chat.SendAck> Approve(string heldId, Actor moderator);

    [Alias("Reject")]
    Task Reject(string heldId, string reason, Actor moderator);
}
