using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Streams;

namespace CommunityScale.Gateway.Hubs;

/// <summary>The server → client events of <c>/hubs/community</c> (docs/api.md).</summary>
public interface ICommunityClient
{
    Task ChannelMessage(ChatMessage message);

    Task Presence(PresenceChanged presence);

    Task MessageRemoved(MessageRemovedNotice removed);

    Task MessageRestored(ChatMessage message);

    /// <summary>The author edited a message (the payload is the message as it is now).</summary>
    Task MessageEdited(ChatMessage message);

    /// <summary>A message's reaction counts after a change (<c>mine</c> is null: the same event goes to everyone).</summary>
    Task MessageReactions(MessageReactionCounts reactions);

    /// <summary>A personal notice (after <c>WatchCommunity</c>), also kept in the inbox.</summary>
    Task Notification(Notification notification);

    /// <summary>Points earned (or taken back) by the user, after <c>WatchCommunity</c>.</summary>
    Task PointsAwarded(Gamification.PointsAwarded award);

    /// <summary>A badge the user earned, after <c>WatchCommunity</c>.</summary>
    Task BadgeEarned(Gamification.BadgeEarned earned);

    /// <summary>A change of the review queue, to moderators watching the community.</summary>
    Task ModerationEvent(ModerationEvent moderationEvent);

    /// <summary>A new post in a thread the connection joined (<c>JoinThread</c>), in seq order, gap-filled.</summary>
    Task ThreadPost(Threads.ThreadPost post);

    Task PostEdited(Threads.ThreadPost post);

    Task PostRemoved(Threads.PostRemovedNotice removed);

    /// <summary>A post's reaction counts after a change (<c>mine</c> is null: it is the same event for everyone).</summary>
    Task PostReactions(Threads.PostReactions reactions);

    /// <summary>The thread changed: accepted answer, votes, idea status, removal.</summary>
    Task ThreadUpdated(Threads.ThreadSummary thread);

    /// <summary>A new question in a watched session's Q&amp;A (<c>WatchSession</c>).</summary>
    Task QuestionAsked(Events.Question question);

    /// <summary>A question's votes, answered, pinned or hidden changed.</summary>
    Task QuestionUpdated(Events.Question question);

    /// <summary>A watched session's poll opened, closed, or its results changed.</summary>
    Task PollUpdated(Events.Poll poll);

    /// <summary>A day's KPIs changed (to managers watching the community's dashboard).</summary>
    Task KpiUpdated(Insights.KpiDayRow day);

    /// <summary>The caller may no longer view the channel (a role or an override changed): nothing more comes from it.</summary>
    Task ChannelAccessLost(ChannelAccessLost lost);

    /// <summary>The caller may no longer view a thread it joined live (its category's access changed): it left the thread and gets nothing more from it.</summary>
    Task ThreadAccessLost(ThreadAccessLost lost);
}

/// <summary>What <c>WatchCommunity</c> returns: the caller's role, unread notices, and whether queue events will follow.</summary>
public sealed record CommunityWatch(MemberRole Role, int UnreadNotifications, bool ModerationEvents);

public sealed record JoinChannelResult(long LastSeq, IReadOnlyList<ChatMessage> Messages, bool HasMore);

/// <summary>What <c>JoinThread</c> returns: the thread, its last seq, the first posts after <c>afterSeq</c>, whether more follow, and whether the caller follows it.</summary>
public sealed record JoinThreadResult(Threads.ThreadSummary Thread, long LastSeq, IReadOnlyList<Threads.ThreadPost> Posts, bool HasMore, bool Following);

public sealed record ChannelAccessLost(string CommunityId, string ChannelId);

public sealed record ThreadAccessLost(string CommunityId, string ThreadId);
