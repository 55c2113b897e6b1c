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

    /// <summary>A personal notice (after <c>WatchCommunity</c>), also kept in the inbox.</summary>
    Task Notification(Notification notification);

    /// <summary>Points earned (or taken back) by the user, after <c>WatchCommunity</c>.</summary>
    Task PointsAwarded(Gamification.PointsAwarded award);

    /// <summary>A badge the user earned, after <c>WatchCommunity</c>.</summary>
    Task BadgeEarned(Gamification.BadgeEarned earned);

    /// <summary>A change of the review queue, to moderators watching the community.</summary>
    Task ModerationEvent(ModerationEvent moderationEvent);
}

/// <summary>What <c>WatchCommunity</c> returns: the caller's role, unread notices, and whether queue events will follow.</summary>
public sealed record CommunityWatch(MemberRole Role, int UnreadNotifications, bool ModerationEvents);

public sealed record JoinChannelResult(long LastSeq, IReadOnlyList<ChatMessage> Messages, bool HasMore);
