using CommunityScale.Communities;
using Orleans.Concurrency;

namespace CommunityScale.Threads;

/// <summary>
/// One forum thread (key: <c>community/thread</c>). It checks and moderates every post, gives it the next gap-free
/// <c>seq</c>, stores it in a <see cref="IThreadPageGrain"/> before answering, then publishes once on the thread stream
/// (the same relay and gap fill as channels). Followers, mentioned members and answerers are notified; points go
/// through gamification.
/// </summary>
[Alias("cs.IThreadGrain")]
public interface IThreadGrain : IGrainWithStringKey, Privacy.IHoldsMemberData
{
    /// <summary>Called by the community's directory, which chose the id and checked the category.</summary>
    [Alias("Create")]
    Task<ThreadSummary> Create(ThreadDraft draft, ForumSettings settings, Actor author);

    [AlwaysInterleave]
    [Alias("GetSummary")]
    Task<ThreadSummary> GetSummary();

    /// <summary>Posts a reply, or (when automatic moderation holds it) queues it for review: then <see cref="PostOutcome.HeldId"/> is set.</summary>
    [Alias("Reply")]
    Task<PostOutcome> Reply(NewReply reply, Actor author);

    /// <summary>A reply a moderator approved from the review queue: it skips automatic moderation and gets the next seq now.</summary>
    [Alias("AcceptApproved")]
    Task<Posting.SendAck> AcceptApproved(NewReply reply, Actor author);

    /// <summary>The author edits their post (the old text is kept as a revision); seq 1 is the opening post.</summary>
    [Alias("Edit")]
    Task<ThreadPost> Edit(long seq, string body, Actor editor);

    /// <summary>The author or a moderator removes a post; removing seq 1 removes the thread from listings.</summary>
    [Alias("Remove")]
    Task<PostRemovedNotice> Remove(long seq, string reason, Actor caller);

    /// <summary>Adds (<paramref name="on"/>) or takes back the caller's reaction; one per member per emoji.</summary>
    [Alias("React")]
    Task<PostReactions> React(long seq, string emoji, bool on, Actor caller);

    /// <summary>
    /// The thread's author or a moderator marks the accepted answer of a question by the post's id (<c>thread-seq</c>);
    /// null clears it. A post of another thread is <c>invalid</c>.
    /// </summary>
    [Alias("Accept")]
    Task<ThreadSummary> Accept(string? postId, Actor caller);

    [Alias("Follow")]
    Task<bool> Follow(bool follow, Actor caller);

    /// <summary>Whether the user follows the thread (<c>not_found</c> when they may not view it).</summary>
    [AlwaysInterleave]
    [Alias("IsFollowing")]
    Task<bool> IsFollowing(string userId);

    /// <summary>Upvotes an idea (or takes the vote back); one per member.</summary>
    [Alias("Vote")]
    Task<ThreadSummary> Vote(bool up, Actor caller);

    /// <summary>An admin sets an idea's status with a comment; voters are notified.</summary>
    [Alias("SetStatus")]
    Task<ThreadSummary> SetStatus(IdeaStatus status, string? comment, Actor caller);

    /// <summary>Posts after <paramref name="afterSeq"/>, whoever may view them: for the relay's gap fill and the index, never a reader.</summary>
    [AlwaysInterleave]
    [Alias("GetPosts")]
    Task<ThreadPostsPage> GetPosts(long afterSeq, int limit);

    /// <summary><see cref="GetPosts"/> for a reader, who must be allowed to view the thread's category (<c>not_found</c> otherwise).</summary>
    [AlwaysInterleave]
    [Alias("ReadAs")]
    Task<ThreadPostsPage> ReadAs(string userId, long afterSeq, int limit);

    /// <summary>What a user may do in the thread's category; none when they may not view it (or the thread does not exist).</summary>
    [AlwaysInterleave]
    [Alias("PermissionsOf")]
    Task<Access.Permissions> PermissionsOf(string userId);

    /// <summary>
    /// Which of these users may view the thread's category, from rules of at least <paramref name="rulesVersion"/> and
    /// memberships read afresh (a gateway re-checking its live connections after an access change).
    /// </summary>
    [AlwaysInterleave]
    [Alias("Viewers")]
    Task<IReadOnlyList<string>> Viewers(IReadOnlyList<string> userIds, long rulesVersion);

    [AlwaysInterleave]
    [Alias("GetLastSeq")]
    Task<long> GetLastSeq();

    /// <summary>Earlier texts of a post, oldest first (of a removed post: moderators only).</summary>
    [AlwaysInterleave]
    [Alias("GetRevisions")]
    Task<IReadOnlyList<PostRevision>> GetRevisions(long seq, Actor caller);
}

/// <summary>Up to <c>ThreadRules.PageSize</c> stored posts of a thread (key: <c>community/thread/page</c>); only its thread writes it.</summary>
[Alias("cs.IThreadPageGrain")]
public interface IThreadPageGrain : IGrainWithStringKey
{
    [Alias("Read")]
    Task<IReadOnlyList<StoredPost>> Read();

    /// <summary>Stores a post, replacing the one with the same seq.</summary>
    [Alias("Put")]
    Task Put(StoredPost post);
}

/// <summary>
/// A community's forum (key: community id): categories, settings, thread ids, and the summaries listings are served
/// from. Summaries are copies the threads push on every change; the directory keeps the newest version of each.
/// </summary>
[Alias("cs.IThreadDirectoryGrain")]
public interface IThreadDirectoryGrain : IGrainWithStringKey
{
    [Alias("CreateThread")]
    Task<ThreadSummary> CreateThread(NewThread thread, Actor author);

    [Alias("Upsert")]
    Task Upsert(ThreadSummary summary);

    /// <summary>Every listed thread, whoever may view it: for trusted callers, never a reader.</summary>
    [Alias("List")]
    Task<ThreadListing> List(ThreadQuery query);

    /// <summary>The listing as a user sees it: threads of categories they may not view are neither listed nor counted.</summary>
    [AlwaysInterleave]
    [Alias("ListFor")]
    Task<ThreadListing> ListFor(ThreadQuery query, string userId);

    [Alias("CreateCategory")]
    Task<ForumCategory> CreateCategory(ForumCategory category, Actor caller);

    /// <summary>The ids of the threads listings cover (the search index rebuilds from them).</summary>
    [AlwaysInterleave]
    [Alias("GetThreadIds")]
    Task<IReadOnlyList<string>> GetThreadIds();

    /// <summary>Thread ids run 1..this (removed and unlisted ones included): what a privacy request must reach.</summary>
    [Alias("GetLastThreadId")]
    Task<long> GetLastThreadId();

    /// <summary>Every category: for trusted callers, never a reader.</summary>
    [AlwaysInterleave]
    [Alias("GetCategories")]
    Task<IReadOnlyList<ForumCategory>> GetCategories();

    /// <summary>The categories a user may view (<c>not_found</c>: a private community they are not a member of).</summary>
    [AlwaysInterleave]
    [Alias("GetCategoriesFor")]
    Task<IReadOnlyList<ForumCategory>> GetCategoriesFor(string userId);

    [AlwaysInterleave]
    [Alias("GetSettings")]
    Task<ForumSettings> GetSettings();

    /// <summary>The settings as a reader asks for them (<c>not_found</c>: a private community they are not a member of).</summary>
    [AlwaysInterleave]
    [Alias("GetSettingsFor")]
    Task<ForumSettings> GetSettingsFor(string userId);

    [Alias("UpdateSettings")]
    Task<ForumSettings> UpdateSettings(ForumSettingsUpdate update, Actor caller);
}
