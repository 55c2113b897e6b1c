using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Options;

/// <summary>Chat limits and history layout, bound from the <c>Chat</c> configuration section.</summary>
public sealed class ChatOptions
{
    public const string Section = "Chat";

    /// <summary>The message length limit of a new channel unless its creator sets another.</summary>
    [Range(1, 100_000)]
    public int DefaultMaxMessageLength { get; set; } = 2000;

    /// <summary>The largest length limit a channel creator may set.</summary>
    [Range(1, 100_000)]
    public int MaxMessageLengthCeiling { get; set; } = 10_000;

    /// <summary>Messages per sealed history page. Fixed per channel at creation, so changing it never breaks old history.</summary>
    [Range(10, 1_000)]
    public int HistoryPageSize { get; set; } = 100;

    /// <summary>How many messages a join returns when the client has none yet.</summary>
    [Range(0, 200)]
    public int RecentOnJoin { get; set; } = 50;

    /// <summary>The member rate limit: at most this many sends per <see cref="RateLimitWindow"/> per member and channel.</summary>
    [Range(1, int.MaxValue)]
    public int RateLimitCount { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The community-wide flood limit: at most this many posts per <see cref="CommunityRateLimitWindow"/> per member over
    /// all the community's channels and threads together (moderators and up are not limited, as in a channel).
    /// </summary>
    [Range(1, int.MaxValue)]
    public int CommunityRateLimitCount { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan CommunityRateLimitWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many recent (author, clientMessageId) pairs a channel remembers to make retried sends idempotent.</summary>
    [Range(1, 1_000_000)]
    public int DedupeCapacity { get; set; } = 4096;

    /// <summary>
    /// How long a channel trusts a membership it has looked up before asking again: a mute or ban takes effect within
    /// this. Short, because a member's sends are rate-limited anyway (one lookup per few sends at most).
    /// </summary>
    public TimeSpan MembershipCacheDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a silo trusts a community's roles and overrides (one lookup per community and silo, shared by all its
    /// channels and threads): a change of a role or an override takes effect on sends within this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:02")]
    public TimeSpan AccessRulesCacheDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a channel asks for its community's moderation policy (a change takes effect within this).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PolicyRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    [Range(1, 10_000)]
    public int MaxChannelsPerCommunity { get; set; } = 500;

    /// <summary>Group commit: the most sends one storage write may carry. 1 means one write per message.</summary>
    [Range(1, 10_000)]
    public int GroupCommitMaxBatch { get; set; } = 256;

    /// <summary>
    /// Group commit: how long a write may wait for more sends when fewer than a full batch are queued. Zero (the default)
    /// adds no latency: sends that arrive while a write is in flight already share the next write.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan GroupCommitMaxDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// The shortest time between two rounds of handing a channel's accepted messages to the authors' points grains. The
    /// first message after a quiet spell scores at once; in a hot channel an author's points are written at most once
    /// per round instead of once per batch, which kept storage from serving the messages themselves.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan AwardRoundInterval { get; set; } = TimeSpan.FromSeconds(1);
}
