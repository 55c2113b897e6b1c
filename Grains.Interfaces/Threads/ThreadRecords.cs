using CommunityScale.Communities;
using CommunityScale.Posting;

namespace CommunityScale.Threads;

/// <summary>What a thread is for: a discussion, a question (which may get an accepted answer) or an idea (members vote, managers set a status).</summary>
public enum ThreadKind
{
    Discussion = 0,
    Question = 1,
    Idea = 2,
}

/// <summary>Where a manager says an idea stands; voters are notified of every change.</summary>
public enum IdeaStatus
{
    Open = 0,
    UnderReview = 1,
    Planned = 2,
    Shipped = 3,
    Declined = 4,
}

/// <summary>A thread's identity; its string form <c>community/thread</c> keys the thread's grains and stream.</summary>
[GenerateSerializer, Immutable, Alias("cs.ThreadKey")]
public readonly record struct ThreadKey([property: Id(0)] string CommunityId, [property: Id(1)] string ThreadId)
{
    public override string ToString() => $"{CommunityId}/{ThreadId}";

    public static ThreadKey Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 ? throw new FormatException($"'{key}' is not a thread key.") : new(key[..slash], key[(slash + 1)..]);
    }
}

/// <summary>
/// What listings show of a thread, kept by the thread and copied to its community's directory on every change
/// (<see cref="Version"/> orders the copies). Also the payload of the <c>ThreadUpdated</c> hub event.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ThreadSummary")]
public sealed record ThreadSummary(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string ThreadId,
    [property: Id(2)] string CategoryId,
    [property: Id(3)] ThreadKind Kind,
    [property: Id(4)] string Title,
    [property: Id(5)] IReadOnlyList<string> Tags,
    [property: Id(6)] string AuthorId,
    [property: Id(7)] string AuthorName,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset LastActivityAt,
    [property: Id(10)] int Replies,
    [property: Id(11)] int Reactions,
    [property: Id(12)] long? AcceptedSeq,
    [property: Id(13)] int Votes,
    [property: Id(14)] IdeaStatus Status,
    [property: Id(15)] string? StatusComment,
    [property: Id(16)] bool Removed,
    [property: Id(17)] long Version,
    [property: Id(18)] string Excerpt)
{
    /// <summary>A thread just opened: no replies, reactions or votes yet, version 1.</summary>
    public static ThreadSummary Opened(ThreadKey key, ThreadDraft draft, string title, IReadOnlyList<string> tags, Actor author, DateTimeOffset at, string excerpt) =>
        new(key.CommunityId, key.ThreadId, draft.CategoryId, draft.Kind, title, tags, author.UserId, author.DisplayName,
            CreatedAt: at, LastActivityAt: at, Replies: 0, Reactions: 0, AcceptedSeq: null, Votes: 0, Status: IdeaStatus.Open, StatusComment: null,
            Removed: false, Version: 1, Excerpt: excerpt);

    /// <summary>The "top" listing's engagement: a reply counts three, a vote two, a reaction one.</summary>
    public long Engagement => (3L * Replies) + (2L * Votes) + Reactions;

    /// <summary>A question without an accepted answer.</summary>
    public bool Unanswered => Kind == ThreadKind.Question && AcceptedSeq is null;
}

/// <summary>
/// A post of a thread (seq 1 opens it, replies follow, gap-free); also the payload of <c>ThreadPost</c> and
/// <c>PostEdited</c>. <see cref="Html"/> is rendered from <see cref="Markdown"/> on the server and sanitised, so clients
/// may insert it as is. A removed post keeps its place and author, not its words.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ThreadPost")]
public sealed record ThreadPost(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string ThreadId,
    [property: Id(2)] long Seq,
    [property: Id(3)] string PostId,
    [property: Id(4)] string AuthorId,
    [property: Id(5)] string AuthorName,
    [property: Id(6)] string Markdown,
    [property: Id(7)] string Html,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset? EditedAt,
    [property: Id(10)] bool Removed,
    [property: Id(11)] long? ReplyToSeq,
    [property: Id(12)] IReadOnlyDictionary<string, int> Reactions,
    [property: Id(13)] IReadOnlyList<string> Mentions,
    [property: Id(14)] string ClientPostId,
    [property: Id(15)] int Revisions,
    [property: Id(16)] IReadOnlyList<AttachmentInfo>? Attachments = null,
    [property: Id(17)] bool MentionsEveryone = false);

/// <summary>An earlier text of a post (edits and removals keep one each); <see cref="By"/> is who replaced it.</summary>
[GenerateSerializer, Immutable, Alias("cs.PostRevision")]
public sealed record PostRevision([property: Id(0)] string Markdown, [property: Id(1)] DateTimeOffset ReplacedAt, [property: Id(2)] string By);

/// <summary>
/// How a post is stored: the public post plus who reacted with what (one reaction per member per emoji) and its earlier
/// texts. Only thread grains and their pages see it.
/// </summary>
[GenerateSerializer, Alias("cs.StoredPost")]
public sealed record StoredPost(
    [property: Id(0)] ThreadPost Post,
    [property: Id(1)] Dictionary<string, HashSet<string>> Reactors,
    [property: Id(2)] List<PostRevision> History);

/// <summary>A new thread: <c>POST /api/communities/{c}/threads</c>.</summary>
[GenerateSerializer, Immutable, Alias("cs.NewThread")]
public sealed record NewThread(
    [property: Id(0)] string? CategoryId,
    [property: Id(1)] ThreadKind Kind,
    [property: Id(2)] string Title,
    [property: Id(3)] string Body,
    [property: Id(4)] IReadOnlyList<string>? Tags,
    [property: Id(5)] IReadOnlyList<string>? AttachmentIds = null);

/// <summary>A reply: <see cref="ReplyToSeq"/> quotes an earlier post of the same thread; <see cref="ClientPostId"/> makes a retry safe.</summary>
[GenerateSerializer, Immutable, Alias("cs.NewReply")]
public sealed record NewReply(
    [property: Id(0)] string Body,
    [property: Id(1)] long? ReplyToSeq,
    [property: Id(2)] string? ClientPostId,
    [property: Id(3)] IReadOnlyList<string>? AttachmentIds = null);

/// <summary>A reply's outcome: the stored post, or the id of its review-queue item when automatic moderation held it.</summary>
[GenerateSerializer, Immutable, Alias("cs.PostOutcome")]
public sealed record PostOutcome([property: Id(0)] ThreadPost? Post, [property: Id(1)] string? HeldId);

/// <summary>What a directory hands a thread grain to create it (the id is the directory's).</summary>
[GenerateSerializer, Immutable, Alias("cs.ThreadDraft")]
public sealed record ThreadDraft(
    [property: Id(0)] string ThreadId,
    [property: Id(1)] string CategoryId,
    [property: Id(2)] ThreadKind Kind,
    [property: Id(3)] string Title,
    [property: Id(4)] string Body,
    [property: Id(5)] IReadOnlyList<string> Tags,
    [property: Id(6)] IReadOnlyList<string>? AttachmentIds = null);

/// <summary>Posts in seq order after a given seq, the thread's last seq, and whether more follow.</summary>
[GenerateSerializer, Immutable, Alias("cs.ThreadPostsPage")]
public sealed record ThreadPostsPage(
    [property: Id(0)] ThreadSummary Thread,
    [property: Id(1)] long LastSeq,
    [property: Id(2)] IReadOnlyList<ThreadPost> Posts,
    [property: Id(3)] bool HasMore);

/// <summary>The payload of <c>PostRemoved</c>.</summary>
[GenerateSerializer, Immutable, Alias("cs.PostRemovedNotice")]
public sealed record PostRemovedNotice(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string ThreadId,
    [property: Id(2)] long Seq,
    [property: Id(3)] string PostId);

/// <summary>A post's reaction counts after a change, and the caller's own reactions on it; the payload of <c>PostReactions</c> (without <see cref="Mine"/>).</summary>
[GenerateSerializer, Immutable, Alias("cs.PostReactions")]
public sealed record PostReactions(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string ThreadId,
    [property: Id(2)] long Seq,
    [property: Id(3)] IReadOnlyDictionary<string, int> Counts,
    [property: Id(4)] IReadOnlyList<string>? Mine);

/// <summary>The payload of the <c>answer.accepted</c> webhook: the question, the answer, and who accepted it.</summary>
[GenerateSerializer, Immutable, Alias("cs.AcceptedAnswer")]
public sealed record AcceptedAnswer([property: Id(0)] ThreadSummary Thread, [property: Id(1)] ThreadPost Answer, [property: Id(2)] string AcceptedBy);

/// <summary>A forum category; threads are created in one. Every community has <c>general</c>.</summary>
[GenerateSerializer, Immutable, Alias("cs.ForumCategory")]
public sealed record ForumCategory([property: Id(0)] string Id, [property: Id(1)] string Name, [property: Id(2)] string Description);

/// <summary>A community's settings for posts and messages (admins): the reactions members may use, and what they may upload.</summary>
[GenerateSerializer, Immutable, Alias("cs.ForumSettings")]
public sealed record ForumSettings(
    [property: Id(0)] IReadOnlyList<string> Reactions,
    [property: Id(1)] long Version,
    [property: Id(2)] long MaxAttachmentBytes,
    [property: Id(3)] IReadOnlyList<string> AttachmentTypes)
{
    public static ForumSettings Default { get; } = new(
        ["+1", "heart", "laugh", "tada", "eyes", "rocket"], 0, 10L * 1024 * 1024,
        ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"]);
}

/// <summary>A change of <see cref="ForumSettings"/>; what is null stays.</summary>
[GenerateSerializer, Immutable, Alias("cs.ForumSettingsUpdate")]
public sealed record ForumSettingsUpdate(
    [property: Id(0)] IReadOnlyList<string>? Reactions,
    [property: Id(1)] long? MaxAttachmentBytes,
    [property: Id(2)] IReadOnlyList<string>? AttachmentTypes);

/// <summary>How to list threads: <c>latest</c> activity, <c>top</c> engagement, or <c>unanswered</c> questions; filters; a cursor from the previous page.</summary>
[GenerateSerializer, Immutable, Alias("cs.ThreadQuery")]
public sealed record ThreadQuery(
    [property: Id(0)] string Sort,
    [property: Id(1)] string? Tag,
    [property: Id(2)] string? CategoryId,
    [property: Id(3)] ThreadKind? Kind,
    [property: Id(4)] string? Cursor,
    [property: Id(5)] int Limit);

[GenerateSerializer, Immutable, Alias("cs.ThreadListing")]
public sealed record ThreadListing([property: Id(0)] IReadOnlyList<ThreadSummary> Items, [property: Id(1)] string? NextCursor);
