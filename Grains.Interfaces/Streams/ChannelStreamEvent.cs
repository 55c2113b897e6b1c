using CommunityScale.Chat;

namespace CommunityScale.Streams;

/// <summary>What flows on a channel's stream: published once by a grain, relayed by each gateway with listeners.</summary>
[GenerateSerializer, Immutable, Alias("cs.ChannelStreamEvent")]
public abstract record ChannelStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.MessagePosted")]
public sealed record MessagePosted([property: Id(0)] ChatMessage Message) : ChannelStreamEvent;

/// <summary>The payload of the <c>Presence</c> hub event.</summary>
[GenerateSerializer, Immutable, Alias("cs.PresenceChanged")]
public sealed record PresenceChanged(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string ChannelId,
    [property: Id(2)] int Online) : ChannelStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.MessageRemoved")]
public sealed record MessageRemoved([property: Id(0)] MessageRemovedNotice Notice) : ChannelStreamEvent;

/// <summary>A removed (or report-hidden) message a moderator restored; the payload of <c>MessageRestored</c> is the message.</summary>
[GenerateSerializer, Immutable, Alias("cs.MessageRestored")]
public sealed record MessageRestored([property: Id(0)] ChatMessage Message) : ChannelStreamEvent;

/// <summary>What flows on a user's <c>member</c> stream.</summary>
[GenerateSerializer, Immutable, Alias("cs.MemberStreamEvent")]
public abstract record MemberStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.NotificationPosted")]
public sealed record NotificationPosted([property: Id(0)] Notifications.Notification Notification) : MemberStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.PointsPosted")]
public sealed record PointsPosted([property: Id(0)] Gamification.PointsAwarded Award) : MemberStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.BadgePosted")]
public sealed record BadgePosted([property: Id(0)] Gamification.BadgeEarned Earned) : MemberStreamEvent;
