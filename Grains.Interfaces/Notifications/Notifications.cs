namespace CommunityScale.Notifications;

/// <summary>
/// A personal notice to one user (moderation decisions, trust level changes; later points, badges, mentions). Also the
/// payload of the <c>Notification</c> hub event. <see cref="Id"/> grows per user, so a client can page and mark read.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.Notification")]
public sealed record Notification(
    [property: Id(0)] long Id,
    [property: Id(1)] string CommunityId,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Text,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string SourceId);

/// <summary>
/// What a grain asks to tell a user. <see cref="SourceId"/> names the event that caused it (e.g. <c>sanction:…</c>), so
/// posting the same notice again after a retry does not notify twice.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.NotificationDraft")]
public sealed record NotificationDraft(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Text,
    [property: Id(3)] string SourceId);

/// <summary>A page of the inbox, newest first, with the unread count; pass <see cref="NextBefore"/> as <c>before</c> for older ones.</summary>
[GenerateSerializer, Immutable, Alias("cs.NotificationPage")]
public sealed record NotificationPage(
    [property: Id(0)] IReadOnlyList<Notification> Items,
    [property: Id(1)] int Unread,
    [property: Id(2)] long? NextBefore);

/// <summary>The notification kinds this release sends (docs/api.md lists them).</summary>
public static class NotificationKinds
{
    public const string Warning = "warning";
    public const string Muted = "muted";
    public const string Banned = "banned";
    public const string SanctionLifted = "sanction_lifted";
    public const string AppealDecided = "appeal_decided";
    public const string TrustLevel = "trust_level";
    public const string MessageReviewed = "message_reviewed";
    public const string LevelUp = "level_up";
    public const string BadgeEarned = "badge_earned";
    public const string ChallengeCompleted = "challenge_completed";
    public const string Mention = "mention";
    public const string Reply = "reply";
    public const string AnswerAccepted = "answer_accepted";
    public const string IdeaStatus = "idea_status";
    public const string WebhookDisabled = "webhook_disabled";
    public const string EventPromoted = "event_promoted";
    public const string SessionReminder = "session_reminder";
    public const string CampaignStarted = "campaign_started";
    public const string WeeklyRank = "weekly_rank";

    /// <summary>
    /// The kinds a member may turn off. Moderation notices (warnings, mutes, bans, decisions) are not among them: a
    /// member must always be able to learn why they cannot post.
    /// </summary>
    public static IReadOnlyList<string> Optional { get; } =
        [Mention, Reply, AnswerAccepted, IdeaStatus, LevelUp, BadgeEarned, ChallengeCompleted, TrustLevel, SessionReminder, CampaignStarted, WeeklyRank];
}

/// <summary>
/// One user's inbox across communities (key: user id). Keeps the latest <c>Capacity</c> notices, and publishes each new
/// one once on the user's <c>member</c> stream for the gateways that have the user online.
/// </summary>
[Alias("cs.INotificationInboxGrain")]
public interface INotificationInboxGrain : IGrainWithStringKey
{
    /// <summary>Stores and pushes the notice; null when the user turned this kind off (then nothing is stored).</summary>
    [Alias("Post")]
    Task<Notification?> Post(NotificationDraft draft);

    /// <summary>Several notices in one write (each as <see cref="Post"/> would take it); the ones kept or found, in order.</summary>
    [Alias("PostAll")]
    Task<IReadOnlyList<Notification>> PostAll(IReadOnlyList<NotificationDraft> drafts);

    /// <summary>The kinds the user turned off (see <see cref="NotificationKinds.Optional"/>).</summary>
    [Alias("GetMuted")]
    Task<IReadOnlyList<string>> GetMuted();

    [Alias("SetMuted")]
    Task<IReadOnlyList<string>> SetMuted(IReadOnlyList<string> kinds);

    [Alias("List")]
    Task<NotificationPage> List(long? before, int limit);

    /// <summary>Marks every notice up to and including <paramref name="upToId"/> read; returns the unread count left.</summary>
    [Alias("MarkRead")]
    Task<int> MarkRead(long upToId);

    /// <summary>The notices of one community (an export), oldest first.</summary>
    [Alias("ListCommunity")]
    Task<IReadOnlyList<Notification>> ListCommunity(string communityId);

    /// <summary>
    /// Erasure: forgets the notices of <paramref name="communityId"/> whose source is one of <paramref name="sourceIds"/>,
    /// or all of that community's when <paramref name="sourceIds"/> is null (a source ending in ':' is a prefix); the inbox is deleted once empty.
    /// </summary>
    [Alias("Forget")]
    Task Forget(string communityId, IReadOnlyList<string>? sourceIds);
}

/// <summary>A user's older notices, written only by their inbox (key: user id).</summary>
[Alias("cs.INotificationArchiveGrain")]
public interface INotificationArchiveGrain : IGrainWithStringKey
{
    [Alias("Get")]
    Task<IReadOnlyList<Notification>> Get();

    [Alias("Store")]
    Task Store(IReadOnlyList<Notification> items);

    [Alias("Clear")]
    Task Clear();
}
