using CommunityScale.Access;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Gamification;
using CommunityScale.Notifications;
using CommunityScale.Posting;
using CommunityScale.Streams;

namespace CommunityScale.Threads;

/// <summary>
/// What every operation of one thread shares (<see cref="ThreadGrain"/> and <see cref="ThreadFeedback"/>): its state,
/// posts, gate and outbox, and the two rules of a change — the summary's version goes up with every change and its copy
/// goes to the listing, and a change's follow-ups are recorded before <see cref="Store"/> writes them with it. Who may
/// do what is the thread's category's to say (<see cref="ForumAccess"/>).
/// </summary>
public sealed class ThreadContext(IGrainFactory grains, ThreadKey key, Func<ThreadState> state, ThreadPosts posts, PostingGate gate, Outbox outbox,
    ForumAccess access, Sentiment.SentimentScorer sentiment, TimeProvider clock, Func<Task> store, Func<ThreadStreamEvent, Task> publish)
{
    public IGrainFactory Grains => grains;

    public ThreadKey Key => key;

    public ThreadState S => state();

    public ThreadPosts Posts => posts;

    public PostingGate Gate => gate;

    public Outbox Outbox => outbox;

    public DateTimeOffset Now => clock.GetUtcNow();

    public ForumAccess Access => access;

    /// <summary>The place whose overrides decide who may see the thread: notices go only to those who may.</summary>
    public string Place => AccessPlaces.Category(S.Summary!.CategoryId);

    /// <summary>
    /// Refuses what <paramref name="member"/> (null: a visitor) may not do here: <c>not_found</c> when they may not view
    /// the thread (the same answer as for a thread that does not exist), <c>not_member</c>, or <c>forbidden</c>.
    /// </summary>
    public Task<Permissions> Require(MemberInfo? member, Permissions needed, string what) =>
        access.Require(member, RequireThread(allowRemoved: true).CategoryId, needed, what, $"Thread '{key.ThreadId}'");

    /// <summary>A reader who may view the thread; their record is the one cached for reads.</summary>
    public async Task RequireReader(string userId) => await Require(await access.Reader(userId), Permissions.View, "read");

    /// <summary>The caller of a change, read afresh, who may do <paramref name="needed"/> here (null: a visitor, who may only view).</summary>
    public async Task<MemberInfo?> Caller(string userId, Permissions needed, string what)
    {
        var member = await gate.MemberOrNull(userId, Now, remember: false);
        await Require(member, needed, what);
        return member;
    }

    /// <summary>
    /// Whether a post by <paramref name="author"/> mentions everybody in the category: their permissions there from the
    /// silo's cached rules (no grain call), as for the check of the post itself.
    /// </summary>
    public async Task<bool> MentionsEveryone(MemberInfo? author, string categoryId, string text) =>
        EveryoneMention.In(text) && EveryoneMention.Counts(await access.In(author, categoryId), text);

    /// <summary>Stores the state with the follow-ups recorded since the last store; they go out after it.</summary>
    public Task Store() => store();

    public Task Publish(ThreadStreamEvent change) => publish(change);

    public ThreadSummary RequireThread(bool allowRemoved = false) =>
        S.Summary is { } summary && (allowRemoved || !summary.Removed) ? summary : throw CommunityException.NotFound($"Thread '{key.ThreadId}'");

    public Task<StoredPost> Load(long seq) => posts.Load(seq, S.LastSeq);

    public Task<StoredPost> LoadLive(long seq) => posts.LoadLive(seq, S.LastSeq);

    /// <summary>Every change of the summary bumps its version (the directory keeps the newest) and is copied to the listing.</summary>
    public void ChangeSummary(Func<ThreadSummary, ThreadSummary> change)
    {
        S.Summary = change(S.Summary!) with { Version = S.Summary!.Version + 1 };
        outbox.Add(new UpsertSummary(S.Summary));
    }

    /// <summary>
    /// The follow-ups of a new post, recorded with it: the search index's copy, points for its author, then notices to
    /// those it mentions and to the followers it did not mention. The points carry the post's sentiment label for the
    /// KPIs: scored here (microseconds, against the write the post waits for anyway), as the award must be stored with it.
    /// </summary>
    public void RecordNewPost(ThreadPost post, string action, string source, IReadOnlyList<string> followers)
    {
        outbox.Add(new IndexPosts(key.CommunityId, [ForumSearchGrain.ToDocument(S.Summary!, post)]));
        outbox.Add(new AwardPoints([new ActivityEvent(source, key.CommunityId, post.AuthorId, post.AuthorName, action, post.CreatedAt, null, ThreadId: key.ThreadId,
            Sentiment: sentiment.Label(post.Markdown))]));
        outbox.AddRange(Mentioned(post, post.Mentions));
        var title = S.Summary?.Title ?? "";
        outbox.AddRange(SendNotices.For(followers.Where(u => u != post.AuthorId && !post.Mentions.Contains(u, StringComparer.Ordinal)),
            new NotificationDraft(key.CommunityId, NotificationKinds.Reply, $"{post.AuthorName} replied in “{title}”: {PostRenderer.Excerpt(post.Markdown, 120)}", SourceIds.Post(post.PostId)), Place));
    }

    public IEnumerable<SendNotices> Mentioned(ThreadPost post, IReadOnlyList<string> mentioned) =>
        SendNotices.For(mentioned, new NotificationDraft(key.CommunityId, NotificationKinds.Mention,
            $"{post.AuthorName} mentioned you in “{S.Summary?.Title}”: {PostRenderer.Excerpt(post.Markdown, 120)}", SourceIds.Mention(post.PostId)), Place);
}
