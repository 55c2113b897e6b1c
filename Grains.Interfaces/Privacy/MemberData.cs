using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Events;
using CommunityScale.Threads;

namespace CommunityScale.Privacy;

/// <summary>A reaction a member gave: where (<c>channel:{id}</c> or <c>thread:{id}</c>), to which seq, which emoji.</summary>
[GenerateSerializer, Immutable, Alias("cs.ReactionGiven")]
public sealed record ReactionGiven([property: Id(0)] string Place, [property: Id(1)] long Seq, [property: Id(2)] string Emoji);

/// <summary>What a member asked moderators: a report (of a chat message) with its reason, or an appeal of a sanction with its text.</summary>
[GenerateSerializer, Immutable, Alias("cs.ModerationRequest")]
public sealed record ModerationRequest(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Target,
    [property: Id(2)] string Text,
    [property: Id(3)] DateTimeOffset At);

/// <summary>A ballot a member cast in a live poll.</summary>
[GenerateSerializer, Immutable, Alias("cs.PollBallot")]
public sealed record PollBallot([property: Id(0)] string SessionId, [property: Id(1)] string PollId, [property: Id(2)] IReadOnlyList<int> Choices);

/// <summary>What one member did around one event: RSVP, check-in, questions asked and upvoted, ballots, survey answer.</summary>
[GenerateSerializer, Immutable, Alias("cs.EventTrace")]
public sealed record EventTrace(
    [property: Id(0)] string EventId,
    [property: Id(1)] string? Rsvp,
    [property: Id(2)] bool CheckedIn,
    [property: Id(3)] IReadOnlyList<Question> Questions,
    [property: Id(4)] IReadOnlyList<string> QuestionsUpvoted,
    [property: Id(5)] IReadOnlyList<PollBallot> Ballots,
    [property: Id(6)] SurveyAnswer? Survey);

/// <summary>
/// A thread the member opened, as it is: erasure renames it "[removed]" and drops its tags (the opening post is in
/// <see cref="MemberTrace.Posts"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ThreadOpened")]
public sealed record ThreadOpened(
    [property: Id(0)] string ThreadId,
    [property: Id(1)] string Title,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] IReadOnlyList<string> Tags);

/// <summary>
/// What one store holds about one member (each store fills what it has; the rest stays empty). Merged into a
/// <see cref="MemberDataExport"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.MemberTrace")]
public sealed record MemberTrace(
    [property: Id(0)] IReadOnlyList<ChatMessage> Messages,
    [property: Id(1)] IReadOnlyList<ThreadPost> Posts,
    [property: Id(2)] IReadOnlyList<ReactionGiven> Reactions,
    [property: Id(3)] IReadOnlyList<string> FollowedThreads,
    [property: Id(4)] IReadOnlyList<string> IdeaVotes,
    [property: Id(5)] IReadOnlyList<EventTrace> Events,
    [property: Id(6)] IReadOnlyList<Moderation.HeldMessage>? Held = null,
    [property: Id(7)] IReadOnlyList<ModerationRequest>? ModerationRequests = null,
    [property: Id(8)] IReadOnlyList<ThreadOpened>? ThreadsOpened = null,
    [property: Id(9)] IReadOnlyList<ChatMessage>? ModerationCopies = null)
{
    public static MemberTrace Empty { get; } = new([], [], [], [], [], [], [], [], [], []);

    public MemberTrace Merge(MemberTrace other) => new(
        [.. Messages, .. other.Messages], [.. Posts, .. other.Posts], [.. Reactions, .. other.Reactions],
        [.. FollowedThreads, .. other.FollowedThreads], [.. IdeaVotes, .. other.IdeaVotes], [.. Events, .. other.Events],
        [.. Held ?? [], .. other.Held ?? []], [.. ModerationRequests ?? [], .. other.ModerationRequests ?? []],
        [.. ThreadsOpened ?? [], .. other.ThreadsOpened ?? []], [.. ModerationCopies ?? [], .. other.ModerationCopies ?? []]);

    public static MemberTrace MergeAll(IEnumerable<MemberTrace> traces) => traces.Aggregate(Empty, (all, one) => all.Merge(one));
}

/// <summary>
/// The member on a leaderboard: a live board (<c>all</c>, an ISO week, <c>channel.{id}</c>, <c>campaign.{id}</c>) with
/// their rank now, or a closed week's kept top three (<paramref name="Final"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.BoardStanding")]
public sealed record BoardStanding(
    [property: Id(0)] string Board,
    [property: Id(1)] long Rank,
    [property: Id(2)] long Points,
    [property: Id(3)] bool Final);

/// <summary>
/// Everything a community holds about one member (<c>GET /api/me/export</c> has one per membership), gathered from the
/// stores in <see cref="Stores"/>: the same stores, in the same order, that an erasure goes through.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.MemberDataExport")]
public sealed record MemberDataExport(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] MemberInfo Member,
    [property: Id(2)] IReadOnlyList<ConsentRecord> Consents,
    [property: Id(3)] IReadOnlyList<Moderation.Sanction> Sanctions,
    [property: Id(4)] Gamification.PointsProfile Points,
    [property: Id(5)] MemberTrace Activity,
    [property: Id(6)] IReadOnlyList<Notifications.Notification> Notifications,
    [property: Id(7)] IReadOnlyList<string> Stores,
    [property: Id(8)] IReadOnlyList<Moderation.AuditEntry> Audit,
    [property: Id(9)] Insights.KpiMemberTrace Kpis,
    [property: Id(10)] IReadOnlyList<BoardStanding> Boards,
    [property: Id(11)] IReadOnlyList<Integrations.WebhookEvent> Deliveries,
    [property: Id(12)] Access.MemberAccessTrace? Access = null);

/// <summary>An erasure under way: the stores done and those still to go, in order. Once done, nothing is kept (not found).</summary>
[GenerateSerializer, Immutable, Alias("cs.ErasureStatus")]
public sealed record ErasureStatus(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] DateTimeOffset RequestedAt,
    [property: Id(2)] IReadOnlyList<string> Done,
    [property: Id(3)] IReadOnlyList<string> Remaining);

/// <summary>A store that can tell what it holds about a member and forget it (see docs/architecture.md, "Privacy").</summary>
public interface IHoldsMemberData
{
    [Alias("CollectMember")]
    Task<MemberTrace> CollectMember(string userId);

    /// <summary>
    /// Removes the member from this store: their content becomes author-less tombstones (places kept), their ids in
    /// counts and logs become <paramref name="pseudonym"/>. Idempotent: an erasure that crashed runs it again.
    /// </summary>
    [Alias("EraseMember")]
    Task EraseMember(string userId, string pseudonym);
}

/// <summary>
/// A member's data in one community (key: <c>community/user</c>): the export, and the erasure — a durable job that
/// goes through every store step by step (resuming after a crash) and ends by deleting the membership.
/// </summary>
[Alias("cs.IMemberPrivacyGrain")]
public interface IMemberPrivacyGrain : IGrainWithStringKey
{
    [Alias("Export")]
    Task<MemberDataExport> Export();

    /// <summary>Starts the erasure (<c>not_found</c> when there is no such member); <paramref name="by"/> is the member or an admin (the gateway checked which).</summary>
    [Alias("Erase")]
    Task<ErasureStatus> Erase(Actor by);

    /// <summary>
    /// Checks that <paramref name="by"/> may erase this member (as <see cref="Erase"/> does) and returns the ids of the
    /// files in their messages and posts, whose bytes the gateway deletes before the erasure starts.
    /// </summary>
    [Alias("PrepareErasure")]
    Task<IReadOnlyList<string>> PrepareErasure(Actor by);

    /// <summary>The erasure under way, or null; for the member themselves or an admin (<c>forbidden</c> otherwise).</summary>
    [Alias("GetErasure")]
    Task<ErasureStatus?> GetErasure(Actor caller);
}

public static class Tombstones
{
    /// <summary>Others' messages that mention an erased member (<c>@id</c>) keep their words, with the pseudonym for the id.</summary>
    public static ChatMessage WithoutMention(ChatMessage message, Func<string, string> scrub) =>
        message.Removed ? message : message with { Text = scrub(message.Text) };

    /// <summary>What an erased member's name becomes wherever their content keeps its place.</summary>
    public const string Author = "[removed]";

    public static ChatMessage Of(ChatMessage message) =>
        message.AsRemoved() with { AuthorId = "", AuthorName = Author, ClientMessageId = "", EditedAt = null };
}
