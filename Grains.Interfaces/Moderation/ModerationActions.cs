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

    /// <summary>Appends unless an entry from <paramref name="sourceId"/> was appended lately (an outbox's retry).</summary>
    [Alias("AppendOnce")]
    Task AppendOnce(string sourceId, string actor, string action, string target, string reason);

    /// <summary>Entries with an id below <paramref name="before"/> (all when null), newest first. Moderators and up.</summary>
    [Alias("Read")]
    Task<AuditPage> Read(long? before, int limit, Actor caller);

    /// <summary>Export: the entries that <see cref="Pseudonymise"/> would rewrite, oldest first.</summary>
    [Alias("CollectMember")]
    Task<IReadOnlyList<AuditEntry>> CollectMember(string userId, string displayName);

    /// <summary>Erasure: the member's id and name become the pseudonym in every entry (actor, target and reason); the entries stay.</summary>
    [Alias("Pseudonymise")]
    Task Pseudonymise(string userId, string displayName, string pseudonym);
}

/// <summary>A sealed page of the audit log (key: <c>community/pageIndex</c>).</summary>
[Alias("cs.IAuditPageGrain")]
public interface IAuditPageGrain : IGrainWithStringKey
{
    [Alias("Seal")]
    Task Seal(IReadOnlyList<AuditEntry> entries);

    [Alias("Read")]
    Task<IReadOnlyList<AuditEntry>> Read();

    [Alias("Pseudonymise")]
    Task Pseudonymise(string userId, string displayName, string pseudonym);
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

    /// <summary>A warning (a strike): enough active warnings climb the policy's strike ladder to a mute or a ban by themselves.</summary>
    [Alias("Warn")]
    Task<MemberInfo> Warn(string userId, string reason, Actor moderator);

    /// <summary>A member's sanctions, newest first: the member may read their own, moderators anyone's.</summary>
    [Alias("Sanctions")]
    Task<IReadOnlyList<Sanction>> Sanctions(string userId, Actor caller);

    /// <summary>Withdraws a sanction (e.g. a granted appeal): a warning stops counting, a mute or ban it caused is lifted.</summary>
    [Alias("Revoke")]
    Task<MemberInfo> Revoke(string userId, string sanctionId, string reason, Actor moderator);
}

[GenerateSerializer, Alias("cs.SanctionKind")]
public enum SanctionKind
{
    Warning = 0,
    Mute = 1,
    Ban = 2,
}

/// <summary>
/// One moderation sanction on a member: a warning (a strike), a mute until a time, or a ban. <see cref="By"/> is the
/// moderator, or <c>auto-moderation</c> when the strike ladder imposed it. Revoked sanctions stay on record.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.Sanction")]
public sealed record Sanction(
    [property: Id(0)] string Id,
    [property: Id(1)] SanctionKind Kind,
    [property: Id(2)] string Reason,
    [property: Id(3)] string By,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] DateTimeOffset? Until,
    [property: Id(6)] bool Revoked = false,
    [property: Id(7)] bool Appealed = false);

/// <summary>
/// Who lifted or withdrew a sanction, and why: the member grain stores the audit entry and the member's notice with the
/// change itself, so neither is lost when the caller's silo dies right after it.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ModerationNote")]
public sealed record ModerationNote([property: Id(0)] string By, [property: Id(1)] string Reason);

[GenerateSerializer, Alias("cs.ReviewKind")]
public enum ReviewKind
{
    /// <summary>A message automatic moderation held: approve delivers it, reject drops it.</summary>
    Held = 0,

    /// <summary>A message members reported: approve keeps (or restores) it, reject removes it.</summary>
    Report = 1,

    /// <summary>A member's appeal against a sanction: approve revokes the sanction, reject upholds it.</summary>
    Appeal = 2,
}

/// <summary>
/// One thing waiting for a moderator, as the queue lists it (highest <see cref="Priority"/> first). For reports,
/// <see cref="Reports"/> counts distinct reporters and <see cref="Hidden"/> says the reports already hid the message;
/// for appeals, <see cref="SanctionId"/> names the sanction and <see cref="Text"/> is the member's appeal.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ReviewItem")]
public sealed record ReviewItem(
    [property: Id(0)] string Id,
    [property: Id(1)] ReviewKind Kind,
    [property: Id(2)] string ChannelId,
    [property: Id(3)] long Seq,
    [property: Id(4)] string AuthorId,
    [property: Id(5)] string AuthorName,
    [property: Id(6)] string Text,
    [property: Id(7)] string Reason,
    [property: Id(8)] int Reports,
    [property: Id(9)] double Priority,
    [property: Id(10)] DateTimeOffset CreatedAt,
    [property: Id(11)] bool Hidden,
    [property: Id(12)] string? SanctionId,
    [property: Id(13)] string? ThreadId = null);

/// <summary>How a moderator's decision on a review item ended; <see cref="Ack"/> is set when an approved held message was accepted.</summary>
[GenerateSerializer, Immutable, Alias("cs.ReviewOutcome")]
public sealed record ReviewOutcome(
    [property: Id(0)] string ItemId,
    [property: Id(1)] ReviewKind Kind,
    [property: Id(2)] string Resolution,
    [property: Id(3)] Posting.SendAck? Ack);

/// <summary>
/// The payload of the <c>ModerationEvent</c> hub event, published on the community's <c>moderation</c> stream whenever the
/// queue changes: <see cref="Change"/> is <c>queued</c>, <c>updated</c> (more reports, hidden) or <c>resolved</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ModerationEvent")]
public sealed record ModerationEvent(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string Change,
    [property: Id(2)] ReviewItem Item,
    [property: Id(3)] string? Resolution,
    [property: Id(4)] string? By);

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
    [property: Id(7)] DateTimeOffset HeldAt,
    [property: Id(8)] string? ThreadId = null,
    [property: Id(9)] long? ReplyToSeq = null);

/// <summary>
/// A community's review queue (key: community id): held messages, reported messages and appeals wait here for a moderator,
/// highest priority first. Approving a held message accepts it then (it gets its <c>seq</c> at approval, so history stays
/// gap-free). Every decision is audited and every change is pushed live on the <c>moderation</c> stream.
/// </summary>
/// <remarks>
/// As a store of member data: the export has the member's messages waiting for review, the reports and appeals they
/// filed, and the copies of their messages kept here; the erasure deletes their held messages, appeals and archived
/// originals, closes the cases about their messages, and keeps their reports counted under the pseudonym without their
/// reasons.
/// </remarks>
[Alias("cs.IModerationQueueGrain")]
public interface IModerationQueueGrain : IGrainWithStringKey, Privacy.IHoldsMemberData
{
    /// <summary>Queues a held message; holding the same (channel, author, clientMessageId) again returns the first.</summary>
    [Alias("Hold")]
    Task<HeldMessage> Hold(string channelId, string authorId, string authorName, string text, string clientMessageId, string reason);

    /// <summary>
    /// Queues a held forum reply (<see cref="HeldMessage.ThreadId"/> set, <c>channelId</c> empty); approving it posts it
    /// to the thread then, with the next seq. Holding the same (thread, author, clientPostId) again returns the first.
    /// </summary>
    [Alias("HoldPost")]
    Task<HeldMessage> HoldPost(string threadId, string authorId, string authorName, string body, long? replyToSeq, string clientPostId, string reason);

    /// <summary>A member reports a message; reporting it again is a no-op. The policy's <c>reportsToHide</c>-th reporter hides it.</summary>
    [Alias("Report")]
    Task<ReviewItem> Report(string channelId, long seq, string reason, Actor reporter);

    /// <summary>A member appeals one of their own sanctions, once.</summary>
    [Alias("Appeal")]
    Task<ReviewItem> Appeal(string sanctionId, string text, Actor member);

    [Alias("List")]
    Task<IReadOnlyList<ReviewItem>> List(Actor moderator);

    [Alias("Approve")]
    Task<ReviewOutcome> Approve(string itemId, Actor moderator);

    [Alias("Reject")]
    Task<ReviewOutcome> Reject(string itemId, string reason, Actor moderator);

    /// <summary>Keeps a removed message's original (channels call this) so a moderator can restore it later.</summary>
    [Alias("Archive")]
    Task Archive(Chat.ChatMessage original);

    /// <summary>Restores a removed or hidden message (moderators): everyone gets <c>MessageRestored</c>.</summary>
    [Alias("Restore")]
    Task<Chat.ChatMessage> Restore(string channelId, long seq, Actor moderator);
}
