using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Moderation.Classifier;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Posting;
using CommunityScale.Privacy;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using CommunityScale.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace CommunityScale.Threads;

/// <summary>
/// The one place a forum post is accepted (see <see cref="IThreadGrain"/>). A post meets the <see cref="PostingGate"/>
/// (as chat messages do), is stored in its page, then the thread's state is stored with the post's follow-ups (points,
/// notices, webhook, search, listing) in its <see cref="Outbox"/>, and only then answered; so an acknowledged post is
/// durable, a half-done one is invisible, and its follow-ups arrive even if this silo dies right after the answer.
/// </summary>
public sealed partial class ThreadGrain(
    [PersistentState("thread", StorageNames.Main)] IPersistentState<ThreadState> state,
    IOptions<ChatOptions> options,
    IOptions<OutboxOptions> outboxOptions,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IMessageClassifier classifier,
    Sentiment.SentimentScorer sentiment,
    Access.AccessRulesCache accessRules,
    CommunityLookups lookups,
    ILogger<ThreadGrain> logger) : Grain, IThreadGrain, IRemindable
{
    private const int RecentClientPostsKept = 500;
    private const int MaxFollowers = 10_000;

    private readonly StateWriter<ThreadState> _writer = new(state);
    private ThreadKey _key;
    private IAsyncStream<ThreadStreamEvent> _stream = null!;
    private PostingGate _gate = null!;
    private ReactionPolicy _reactions = null!;
    private ThreadPosts _posts = null!;
    private Outbox _outbox = null!;
    private ThreadContext _thread = null!;
    private ThreadFeedback _feedback = null!;

    private ThreadState S => _writer.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ThreadKey.Parse(this.GetPrimaryKeyString());
        _stream = this.GetStreamProvider(StreamNames.Provider).GetStream<ThreadStreamEvent>(StreamNames.ForThread(_key));
        // A forum post is rare next to a chat message: the thread asks for the member every time, so a mute bites at once.
        _gate = new PostingGate(GrainFactory, lookups, _key.CommunityId, classifier, options.Value, membershipCache: TimeSpan.Zero);
        _reactions = new ReactionPolicy(GrainFactory, _key.CommunityId);
        _posts = new ThreadPosts(GrainFactory, _key);
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger) { WriteFailed = DeactivateOnIdle };
        _thread = new ThreadContext(GrainFactory, _key, () => S, _posts, _gate, _outbox, new ForumAccess(accessRules, GrainFactory, _key.CommunityId), sentiment, clock, Store, Publish);
        _feedback = new ThreadFeedback(_thread, _reactions);
        _outbox.Activated();
        if (S.Summary is { } summary)
        {
            // The directory writes its copies behind (≤ 1 s): one it lost in a crash comes back when the thread next
            // activates. A repair of derived data, so it needs no outbox entry (and no write) of its own.
            GrainFactory.GetGrain<IThreadDirectoryGrain>(_key.CommunityId).Upsert(summary).Ignore();
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    public async Task<ThreadSummary> Create(ThreadDraft draft, ForumSettings settings, Actor author)
    {
        if (S.Summary is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Thread '{_key}' already exists.");
        }

        var title = ThreadRules.RequireTitle(draft.Title);
        var body = ThreadRules.RequireBody(draft.Body);
        var tags = ThreadRules.RequireTags(draft.Tags);
        var attachmentIds = Attachments.RequireIds(draft.AttachmentIds, "post");
        var now = clock.GetUtcNow();
        var check = await _gate.Prepare(author.UserId, now, slowModeSeconds: 0);
        RefuseHold(check.Judge($"{title}\n{body}"), "thread");
        check.Accepted();
        var mentions = await Mentions.Members(GrainFactory, _key.CommunityId, body, author.UserId);
        var post = _posts.New(1, author, body, null, mentions, "opening", now)
            with { Attachments = await Attachments.Bind(GrainFactory, _key.CommunityId, attachmentIds, $"thread:{_key.ThreadId}:opening", author), MentionsEveryone = await _thread.MentionsEveryone(check.Member, draft.CategoryId, body) };
        await _posts.Put(new StoredPost(post, [], []));
        // The directory's settings as it created the thread: fresh, so the first reactions need not ask again.
        _reactions.Seed(settings, now);
        S.LastSeq = 1;
        S.Followers.Add(author.UserId);
        S.Summary = ThreadSummary.Opened(_key, draft, title, tags, author, now, PostRenderer.Excerpt(body));
        _outbox.Add(new UpsertSummary(S.Summary));
        _outbox.Add(RaiseWebhook.Of(_key.CommunityId, WebhookEventKinds.ThreadCreated, now, S.Summary, categoryId: S.Summary.CategoryId));
        _thread.RecordNewPost(post, ActionKinds.ThreadCreated, SourceIds.Thread(_key.ThreadId), followers: []);
        await Store();
        ChatMetrics.PostsStored.Add(1);
        await Publish(new PostPublished(post));
        return S.Summary;
    }

    public Task<ThreadSummary> GetSummary() => Task.FromResult(RequireThread(allowRemoved: true));

    public Task<PostOutcome> Reply(NewReply reply, Actor author) => ReplyCore(reply, author, approved: false);

    public async Task<Posting.SendAck> AcceptApproved(NewReply reply, Actor author)
    {
        var post = (await ReplyCore(reply, author, approved: true)).Post!;
        return new Posting.SendAck(post.Seq, post.PostId);
    }

    private async Task<PostOutcome> ReplyCore(NewReply reply, Actor author, bool approved)
    {
        RequireThread();
        var body = ThreadRules.RequireBody(reply.Body);
        var clientPostId = reply.ClientPostId is null ? Guid.NewGuid().ToString("n") : InputRules.RequireClientMessageId(reply.ClientPostId);
        var retryKey = $"{author.UserId}/{clientPostId}";
        if (S.RecentClientPosts.Find(p => p.Key == retryKey) is { Key: not null } earlier)
        {
            return new PostOutcome((await Load(earlier.Value)).Post, null);
        }

        // Who may reply comes before what the thread holds (a refusal must not tell a non-viewer how long it is) and
        // before the gate takes a post of the member's flood limit (a refused reply costs nothing).
        var replier = await _thread.Caller(author.UserId, Access.Permissions.Reply, "reply");
        var now = clock.GetUtcNow();
        var check = approved ? null : await _gate.Prepare(author.UserId, now, slowModeSeconds: 0);
        if (S.LastSeq >= ThreadRules.MaxPosts)
        {
            throw CommunityException.Invalid($"This thread has reached {ThreadRules.MaxPosts} posts and takes no more replies; start a new thread.");
        }

        if (reply.ReplyToSeq is { } quoted && (quoted < 1 || quoted > S.LastSeq))
        {
            throw CommunityException.Invalid($"replyToSeq must name a post of this thread (1 to {S.LastSeq}).");
        }

        var attachmentIds = Attachments.RequireIds(reply.AttachmentIds, "post");
        if (check is not null)
        {
            if (check.Judge(body) is { } hold)
            {
                if (attachmentIds.Count > 0)
                {
                    throw new CommunityException(ErrorCodes.BlockedContent, $"This post needs a moderator's review ({hold.Reason}); post it without attachments to queue it for review.");
                }

                var held = await GrainFactory.GetGrain<IModerationQueueGrain>(_key.CommunityId)
                    .HoldPost(_key.ThreadId, author.UserId, author.DisplayName, body, reply.ReplyToSeq, clientPostId, hold.Reason);
                return new PostOutcome(null, held.Id);
            }

            check.Accepted();
        }

        var mentions = await Mentions.Members(GrainFactory, _key.CommunityId, body, author.UserId);
        var post = _posts.New(S.LastSeq + 1, author, body, reply.ReplyToSeq, mentions, clientPostId, now)
            with { Attachments = await Attachments.Bind(GrainFactory, _key.CommunityId, attachmentIds, $"thread:{_key.ThreadId}:{retryKey}", author), MentionsEveryone = await _thread.MentionsEveryone(replier, S.Summary!.CategoryId, body) };
        await _posts.Put(new StoredPost(post, [], []));
        S.LastSeq = post.Seq;
        S.RecentClientPosts.Add(new(retryKey, post.Seq));
        if (S.RecentClientPosts.Count > RecentClientPostsKept)
        {
            S.RecentClientPosts.RemoveRange(0, S.RecentClientPosts.Count - RecentClientPostsKept);
        }

        var followedBefore = S.Followers.ToList();
        if (S.Followers.Count < MaxFollowers)
        {
            S.Followers.Add(author.UserId);
        }

        ChangeSummary(s => s with { Replies = s.Replies + 1, LastActivityAt = now });
        if (!S.FirstReplyMeasured && author.UserId != S.Summary!.AuthorId)
        {
            S.FirstReplyMeasured = true;
            _outbox.Add(new RecordResponseTime(_key.CommunityId, _key.ThreadId, S.Summary.AuthorId, KpiSampleKinds.FirstReply, S.Summary.CreatedAt, now));
        }

        _outbox.Add(RaiseWebhook.Of(_key.CommunityId, WebhookEventKinds.PostCreated, now, post, categoryId: S.Summary!.CategoryId));
        _thread.RecordNewPost(post, ActionKinds.Reply, SourceIds.Post(post.PostId), followedBefore);
        await Store();
        ChatMetrics.PostsStored.Add(1);
        await Publish(new PostPublished(post));
        return new PostOutcome(post, null);
    }

    public async Task<ThreadPost> Edit(long seq, string body, Actor editor)
    {
        RequireThread();
        var author = await _thread.Caller(editor.UserId, Access.Permissions.View, "edit posts");
        var text = ThreadRules.RequireBody(body);
        var stored = await LoadLive(seq);
        if (stored.Post.AuthorId != editor.UserId)
        {
            throw new CommunityException(ErrorCodes.Forbidden, "Only the author may edit a post.");
        }

        if (stored.Post.Markdown == text)
        {
            return stored.Post;
        }

        var now = clock.GetUtcNow();
        await _gate.RequireMayEdit(editor.UserId, text, now, "post");
        var mentions = await Mentions.Members(GrainFactory, _key.CommunityId, text, editor.UserId);
        stored.History.Add(new PostRevision(stored.Post.Markdown, now, editor.UserId));
        var edited = stored.Post with { Markdown = text, Html = PostRenderer.ToHtml(text), EditedAt = now, Mentions = mentions, Revisions = stored.History.Count,
            MentionsEveryone = await _thread.MentionsEveryone(author, S.Summary!.CategoryId, text) };
        await _posts.Put(stored with { Post = edited });
        if (seq == 1)
        {
            ChangeSummary(s => s with { Excerpt = PostRenderer.Excerpt(text) });
        }

        _outbox.Add(new IndexPosts(_key.CommunityId, [ForumSearchGrain.ToDocument(S.Summary!, edited)]));
        _outbox.AddRange(_thread.Mentioned(edited, [.. mentions.Except(stored.Post.Mentions, StringComparer.Ordinal)]));
        await Store();
        await Publish(new PostEdited(edited));
        return edited;
    }

    public async Task<PostRemovedNotice> Remove(long seq, string reason, Actor caller)
    {
        RequireThread(allowRemoved: true);
        await _thread.Caller(caller.UserId, Access.Permissions.View, "remove posts");
        var stored = await Load(seq);
        var notice = new PostRemovedNotice(_key.CommunityId, _key.ThreadId, seq, stored.Post.PostId);
        if (stored.Post.Removed)
        {
            return notice;
        }

        var byAuthor = stored.Post.AuthorId == caller.UserId;
        if (!byAuthor)
        {
            await ModerationRoles.RequireModerator(GrainFactory, _key.CommunityId, caller, Access.Permissions.ManageMessages);
        }

        stored.History.Add(new PostRevision(stored.Post.Markdown, clock.GetUtcNow(), caller.UserId));
        await _posts.Put(stored with { Post = stored.Post with { Markdown = "", Html = "", Removed = true, Mentions = [], MentionsEveryone = false, Revisions = stored.History.Count, Attachments = null } });
        // First, and waited for: a removed post's files stop being served by the time the removal is answered.
        var revoke = _outbox.Add(RevokeAttachments.Of(_key.CommunityId, stored.Post.Attachments));
        var wasAccepted = S.Summary!.AcceptedSeq == seq;
        ChangeSummary(s => seq == 1
            ? s with { Removed = true }
            : s with { Replies = Math.Max(0, s.Replies - 1), AcceptedSeq = wasAccepted ? null : s.AcceptedSeq });
        _outbox.Add(new Unindex(_key.CommunityId, _key.ThreadId, seq == 1 ? null : stored.Post.PostId));
        if (!byAuthor)
        {
            _outbox.Add(new AppendAudit(_key.CommunityId, caller.UserId, "remove_post", $"thread {_key.ThreadId}#{seq} by {stored.Post.AuthorId}", reason ?? ""));
        }

        // Removed content must not pay: what the post, its reactions and its acceptance earned goes.
        _outbox.Add(new TakeBackPoints(_key.CommunityId, stored.Post.AuthorId, [seq == 1 ? SourceIds.Thread(_key.ThreadId) : SourceIds.Post(stored.Post.PostId),
            .. stored.Reactors.SelectMany(r => r.Value.Select(u => SourceIds.Reaction(stored.Post.PostId, u, r.Key))),
            .. wasAccepted ? [SourceIds.AcceptedAnswer(stored.Post.PostId)] : Array.Empty<string>()]));
        await Store();
        await _outbox.Settled(revoke);
        await Publish(new PostRemoved(notice));
        if (seq == 1 || wasAccepted)
        {
            await Publish(new ThreadChanged(S.Summary!));
        }

        return notice;
    }

    public Task<PostReactions> React(long seq, string emoji, bool on, Actor caller) => _feedback.React(seq, emoji, on, caller);

    public Task<ThreadSummary> Accept(string? postId, Actor caller) => _feedback.Accept(postId, caller);

    public async Task<bool> Follow(bool follow, Actor caller)
    {
        RequireThread();
        ForumAccess.Joined(await _thread.Caller(caller.UserId, Access.Permissions.View, "follow threads"));
        var changed = follow ? S.Followers.Count < MaxFollowers && S.Followers.Add(caller.UserId) : S.Followers.Remove(caller.UserId);
        if (follow && !changed && !S.Followers.Contains(caller.UserId))
        {
            throw CommunityException.Invalid($"This thread already has {MaxFollowers} followers.");
        }

        if (changed)
        {
            await Store();
        }

        return follow;
    }

    public async Task<bool> IsFollowing(string userId)
    {
        await _thread.RequireReader(userId);
        return S.Followers.Contains(userId);
    }

    public Task<ThreadSummary> Vote(bool up, Actor caller) => _feedback.Vote(up, caller);

    public Task<ThreadSummary> SetStatus(IdeaStatus status, string? comment, Actor caller) => _feedback.SetStatus(status, comment, caller);

    public async Task<ThreadPostsPage> GetPosts(long afterSeq, int limit)
    {
        var summary = RequireThread(allowRemoved: true);
        // Snapshot first: this call interleaves with replies, and only what is stored and counted may be read.
        var lastSeq = S.LastSeq;
        var to = Math.Min(lastSeq, Math.Max(afterSeq, 0) + limit);
        return new ThreadPostsPage(summary, lastSeq, await _posts.Range(Math.Max(afterSeq, 0) + 1, to), to < lastSeq);
    }

    public async Task<ThreadPostsPage> ReadAs(string userId, long afterSeq, int limit)
    {
        await _thread.RequireReader(userId);
        return await GetPosts(afterSeq, limit);
    }

    public async Task<Access.Permissions> PermissionsOf(string userId) =>
        S.Summary is { } summary ? await _thread.Access.In(await _thread.Access.Reader(userId), summary.CategoryId) : Access.Permissions.None;

    public async Task<IReadOnlyList<string>> Viewers(IReadOnlyList<string> userIds, long rulesVersion) =>
        S.Summary is { } summary ? await _thread.Access.Viewers(userIds, summary.CategoryId, rulesVersion) : [];

    public Task<long> GetLastSeq() => Task.FromResult(S.LastSeq);

    public async Task<IReadOnlyList<PostRevision>> GetRevisions(long seq, Actor caller)
    {
        RequireThread(allowRemoved: true);
        await _thread.RequireReader(caller.UserId);
        var stored = await Load(seq);
        if (stored.Post.Removed)
        {
            await ModerationRoles.RequireModerator(GrainFactory, _key.CommunityId, caller, Access.Permissions.ManageMessages);
        }

        return stored.History;
    }

    public Task<MemberTrace> CollectMember(string userId) => MemberData.Collect(userId);

    public async Task EraseMember(string userId, string pseudonym)
    {
        await MemberData.Erase(userId, pseudonym);
        // Drops every in-memory trace of the member (cached membership, flood and duplicate memories).
        DeactivateOnIdle();
    }

    private ThreadMemberData MemberData => new(GrainFactory, _key, _posts, () => S, Store, Publish);

    private Task Store() => _outbox.Store();

    private Task<StoredPost> Load(long seq) => _thread.Load(seq);

    private Task<StoredPost> LoadLive(long seq) => _thread.LoadLive(seq);

    private ThreadSummary RequireThread(bool allowRemoved = false) => _thread.RequireThread(allowRemoved);

    private void ChangeSummary(Func<ThreadSummary, ThreadSummary> change) => _thread.ChangeSummary(change);

    // New threads and edits are not queued: a moderator would approve a thread that does not exist yet, or an edit of a
    // post that moved on. Their authors are told to rephrase instead.
    private static void RefuseHold(Verdict? hold, string what)
    {
        if (hold is not null)
        {
            throw new CommunityException(ErrorCodes.BlockedContent, $"This {what} needs a moderator's review ({hold.Reason}); it was not posted.");
        }
    }

    private async Task Publish(ThreadStreamEvent change)
    {
        try
        {
            await _stream.OnNextAsync(change);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Live delivery may drop an event: new posts are gap-filled from storage, and changes are in the posts read next.
            LogPublishFailed(logger, ex, _key.ToString());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing on thread {Thread} failed; viewers will catch up from storage")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string thread);
}
