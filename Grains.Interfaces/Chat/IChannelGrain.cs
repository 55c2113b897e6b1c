using CommunityScale.Posting;
using Orleans.Concurrency;

namespace CommunityScale.Chat;

/// <summary>
/// A live chat channel (key: <c>community/channel</c>). It orders messages with a gap-free <c>seq</c>, stores each
/// before acknowledging it, publishes it once on the channel stream, and keeps only a bounded tail: older messages
/// are sealed into <see cref="IHistoryPageGrain"/>s.
/// </summary>
[Alias("cs.IChannelGrain")]
public interface IChannelGrain : IGrainWithStringKey, Privacy.IHoldsMemberData
{
    [Alias("Create")]
    Task Create(Communities.ChannelInfo info);

    [Alias("GetInfo")]
    Task<Communities.ChannelInfo> GetInfo();

    /// <summary>Sets slow mode (seconds between a member's messages; 0 = off). Moderators, admins and the owner only.</summary>
    [Alias("SetSlowMode")]
    Task<Communities.ChannelInfo> SetSlowMode(int seconds, Communities.Actor caller);

    [AlwaysInterleave]
    [Alias("GetSlowMode")]
    Task<int> GetSlowMode();

    /// <summary>
    /// Removes a message (moderators and up, audited; its author too when <paramref name="authorMayRemove"/>, without an
    /// audit): history keeps its seq, not its text; everyone gets <c>MessageRemoved</c>.
    /// </summary>
    [Alias("RemoveMessage")]
    Task<MessageRemovedNotice> RemoveMessage(long seq, string reason, Communities.Actor caller, bool authorMayRemove = false);

    /// <summary>The author changes a message's text (content rules apply again); everyone gets <c>MessageEdited</c>.</summary>
    [Alias("EditMessage")]
    Task<ChatMessage> EditMessage(long seq, string text, Communities.Actor editor);

    /// <summary>Adds (<paramref name="on"/>) or takes back the caller's reaction, one per member per emoji; everyone gets <c>MessageReactions</c>.</summary>
    [Alias("React")]
    Task<MessageReactionCounts> React(long seq, string emoji, bool on, Communities.Actor caller);

    /// <summary>Hides a message (the review queue calls this when reports pile up or a report is upheld): like a removal, without the audit.</summary>
    [Alias("Hide")]
    Task<ChatMessage> Hide(long seq);

    /// <summary>Puts a removed message back as it was (the review queue keeps originals); everyone gets <c>MessageRestored</c>.</summary>
    [Alias("Restore")]
    Task Restore(ChatMessage original);

    /// <summary>Accepts a message a moderator approved from the review queue: it skips automatic moderation.</summary>
    [Alias("AcceptApproved")]
    Task<SendAck> AcceptApproved(SendMessageCommand command);

    [Alias("Send")]
    Task<SendAck> Send(SendMessageCommand command);

    /// <summary>Messages with <c>seq</c> greater than <paramref name="afterSeq"/>, at most <paramref name="limit"/>.</summary>
    [AlwaysInterleave]
    [Alias("GetHistory")]
    Task<HistoryPage> GetHistory(long afterSeq, int limit);

    /// <summary>The last <paramref name="count"/> messages.</summary>
    [AlwaysInterleave]
    [Alias("GetRecent")]
    Task<HistoryPage> GetRecent(int count);

    [AlwaysInterleave]
    [Alias("GetLastSeq")]
    Task<long> GetLastSeq();

    /// <summary>
    /// <see cref="GetHistory"/> for a reader, who must be allowed to view the channel (<c>not_found</c> otherwise: a
    /// channel one may not view does not exist for them). When <paramref name="afterSeq"/> is null, the last
    /// <paramref name="limit"/> messages.
    /// </summary>
    [AlwaysInterleave]
    [Alias("ReadAs")]
    Task<HistoryPage> ReadAs(string userId, long? afterSeq, int limit);

    /// <summary>What the user may do here (<see cref="Access.Permissions"/>; none when they may not view it).</summary>
    [AlwaysInterleave]
    [Alias("PermissionsOf")]
    Task<Access.Permissions> PermissionsOf(string userId);

    /// <summary>
    /// Which of these users may view the channel, from rules of at least <paramref name="rulesVersion"/> and memberships
    /// read afresh: a gateway asks after an access change and drops the connections of the others.
    /// </summary>
    [AlwaysInterleave]
    [Alias("Viewers")]
    Task<IReadOnlyList<string>> Viewers(IReadOnlyList<string> userIds, long rulesVersion);

    /// <summary>
    /// Retention: messages sent before <paramref name="before"/> become tombstones (seq kept, nothing else); returns
    /// how many were purged. Called by the community's retention reminder.
    /// </summary>
    [Alias("Purge")]
    Task<int> Purge(DateTimeOffset before);
}

/// <summary>A sealed, immutable page of a channel's history (key: <c>community/channel/pageIndex</c>).</summary>
[Alias("cs.IHistoryPageGrain")]
public interface IHistoryPageGrain : IGrainWithStringKey, Privacy.IHoldsMemberData
{
    /// <summary>Stores the page. Sealing the same page again is a no-op, so a channel may retry after a crash.</summary>
    [Alias("Seal")]
    Task Seal(IReadOnlyList<ChatMessage> messages);

    [Alias("Read")]
    Task<IReadOnlyList<ChatMessage>> Read();

    /// <summary>Replaces a sealed message with its removed form (the only change a sealed page ever takes).</summary>
    [Alias("Redact")]
    Task<ChatMessage?> Redact(long seq);

    /// <summary>Puts a redacted message back (a moderator restored it).</summary>
    [Alias("Restore")]
    Task<bool> Restore(ChatMessage original);

    /// <summary>The author's edit of a sealed message (whether it now mentions everybody decided by the channel); null when the page does not hold it.</summary>
    [Alias("EditWithMentions")]
    Task<ChatMessage?> Edit(long seq, string text, DateTimeOffset editedAt, bool mentionsEveryone);

    /// <summary>New reaction counts for a sealed message; null when the page does not hold it.</summary>
    [Alias("SetReactions")]
    Task<ChatMessage?> SetReactions(long seq, IReadOnlyDictionary<string, int> counts);

    /// <summary>Turns messages sent before <paramref name="before"/> into tombstones; true when that was every message of the page.</summary>
    [Alias("Purge")]
    Task<bool> Purge(DateTimeOffset before);
}

/// <summary>
/// Who reacted with what to the messages of one history page's range (key: <c>community/channel/pageIndex</c>), so a
/// member reacts once per emoji; the messages themselves carry only the counts.
/// </summary>
[Alias("cs.IMessageReactionsGrain")]
public interface IMessageReactionsGrain : IGrainWithStringKey, Privacy.IHoldsMemberData
{
    [Alias("Toggle")]
    Task<ReactionToggle> Toggle(long seq, string emoji, string userId, bool on);

    /// <summary>Who reacted with what to one message (user, emoji), without changing anything.</summary>
    [Alias("Reactors")]
    Task<IReadOnlyList<KeyValuePair<string, string>>> Reactors(long seq);

    /// <summary>Forgets a removed message's reactions; returns who had reacted with what, so their points can be taken back.</summary>
    [Alias("Clear")]
    Task<IReadOnlyList<KeyValuePair<string, string>>> Clear(long seq);

    /// <summary>Forgets everything older than <paramref name="throughSeq"/> (retention purged those messages).</summary>
    [Alias("ClearThrough")]
    Task ClearThrough(long throughSeq);
}

/// <summary>
/// Aggregates a channel's online count (key: <c>community/channel</c>). Each gateway reports its own count for the
/// channel when it changed (and rarely again otherwise; that the gateway is alive, <see cref="IGatewayRegistryGrain"/>
/// says); the grain publishes the total when the total changes.
/// </summary>
[Alias("cs.IChannelPresenceGrain")]
public interface IChannelPresenceGrain : IGrainWithStringKey
{
    [Alias("Report")]
    Task Report(string gatewayId, int online);

    [Alias("GetOnline")]
    Task<int> GetOnline();
}
