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

/// <summary>The author edited a message; the payload of <c>MessageEdited</c> is the message.</summary>
[GenerateSerializer, Immutable, Alias("cs.MessageEdited")]
public sealed record MessageEdited([property: Id(0)] ChatMessage Message) : ChannelStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.MessageReactionsChanged")]
public sealed record MessageReactionsChanged([property: Id(0)] MessageReactionCounts Reactions) : ChannelStreamEvent;

/// <summary>What flows on a user's <c>member</c> stream.</summary>
[GenerateSerializer, Immutable, Alias("cs.MemberStreamEvent")]
public abstract record MemberStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.NotificationPosted")]
public sealed record NotificationPosted([property: Id(0)] Notifications.Notification Notification) : MemberStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.PointsPosted")]
public sealed record PointsPosted([property: Id(0)] Gamification.PointsAwarded Award) : MemberStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.BadgePosted")]
public sealed record BadgePosted([property: Id(0)] Gamification.BadgeEarned Earned) : MemberStreamEvent;

/// <summary>What flows on a thread's stream: new posts in seq order (gap-filled like chat), and changes as they happen.</summary>
[GenerateSerializer, Immutable, Alias("cs.ThreadStreamEvent")]
public abstract record ThreadStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.PostPublished")]
public sealed record PostPublished([property: Id(0)] Threads.ThreadPost Post) : ThreadStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.PostEdited")]
public sealed record PostEdited([property: Id(0)] Threads.ThreadPost Post) : ThreadStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.PostRemoved")]
public sealed record PostRemoved([property: Id(0)] Threads.PostRemovedNotice Notice) : ThreadStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.PostReactionsChanged")]
public sealed record PostReactionsChanged([property: Id(0)] Threads.PostReactions Reactions) : ThreadStreamEvent;

/// <summary>The thread itself changed: accepted answer, votes, idea status, removal.</summary>
[GenerateSerializer, Immutable, Alias("cs.ThreadChanged")]
public sealed record ThreadChanged([property: Id(0)] Threads.ThreadSummary Thread) : ThreadStreamEvent;

/// <summary>What flows on an event session's stream: its Q&amp;A.</summary>
[GenerateSerializer, Immutable, Alias("cs.SessionStreamEvent")]
public abstract record SessionStreamEvent;

[GenerateSerializer, Immutable, Alias("cs.QuestionAsked")]
public sealed record QuestionAsked([property: Id(0)] Events.Question Question) : SessionStreamEvent;

/// <summary>Votes, answered, pinned or hidden changed.</summary>
[GenerateSerializer, Immutable, Alias("cs.QuestionUpdated")]
public sealed record QuestionUpdated([property: Id(0)] Events.Question Question) : SessionStreamEvent;

/// <summary>A poll opened, closed, or its results changed.</summary>
[GenerateSerializer, Immutable, Alias("cs.PollUpdated")]
public sealed record PollUpdated([property: Id(0)] Events.Poll Poll) : SessionStreamEvent;

/// <summary>Published on a community's <c>kpi</c> stream.</summary>
[GenerateSerializer, Immutable, Alias("cs.KpiStreamEvent")]
public abstract record KpiStreamEvent;

/// <summary>A day's figures changed (at most once a second per week bucket).</summary>
[GenerateSerializer, Immutable, Alias("cs.KpiUpdated")]
public sealed record KpiUpdated([property: Id(0)] Insights.KpiDayRow Day) : KpiStreamEvent;

/// <summary>
/// The community's roles or overrides changed (<see cref="Version"/>), for everyone or for one member: gateways re-check
/// who of their connections on the channel may still view it, and drop the others.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ChannelAccessChanged")]
public sealed record ChannelAccessChanged([property: Id(0)] long Version, [property: Id(1)] string? UserId) : ChannelStreamEvent;
