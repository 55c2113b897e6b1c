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

[GenerateSerializer, Alias("cs.ThreadState")]
public sealed class ThreadState
{
    [Id(0)] public ThreadSummary? Summary { get; set; }

    /// <summary>The last stored post; pages may hold a later one from a write that failed half-way, which reads ignore.</summary>
    [Id(1)] public long LastSeq { get; set; }

    [Id(2)] public HashSet<string> Followers { get; set; } = new(StringComparer.Ordinal);

    [Id(3)] public HashSet<string> Voters { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The latest replies' <c>author/clientPostId</c> → seq, oldest first, so a retried reply is answered, not repeated.</summary>
    [Id(4)] public List<KeyValuePair<string, long>> RecentClientPosts { get; set; } = [];

    // Id 5 (a stored copy of the forum settings) is retired: an activation always read them afresh from the directory.

    /// <summary>Response times are measured once per thread: the first reply by someone else, the first accepted answer.</summary>
    [Id(6)] public bool FirstReplyMeasured { get; set; }

    [Id(7)] public bool AnswerMeasured { get; set; }

    /// <summary>Points, notices, webhooks, audit entries, KPI samples, search and listing updates still owed.</summary>
    [Id(8)] public OutboxState Outbox { get; set; } = new();
}

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
    ILogger<ThreadGrain> logger) : Grain, IThreadGrain, IRemindable
{
    private const int RecentClientPostsKept = 500;
    private const int MaxFollowers = 10_000;
    private const int MaxStatusCommentLength = 1_000;

    private readonly StateWriter<ThreadState> _writer = new(state);
    private ThreadKey _key;
    private IAsyncStream<ThreadStreamEvent> _stream = null!;
    private PostingGate _gate = null!;
    private ReactionPolicy _reactions = null!;
    private ThreadPosts _posts = null!;
    private Outbox _outbox = null!;

    private ThreadState S => _writer.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ThreadKey.Parse(this.GetPrimaryKeyString());
        _stream = this.GetStreamProvider(StreamNames.Provider).GetStream<ThreadStreamEvent>(StreamNames.ForThread(_key));
        // A forum post is rare next to a chat message: the thread asks for the member every time, so a mute bites at once.
        _gate = new PostingGate(GrainFactory, _key.CommunityId, classifier, options.Value, membershipCache: TimeSpan.Zero);
        _reactions = new ReactionPolicy(GrainFactory, _key.CommunityId);
        _posts = new ThreadPosts(GrainFactory, _key);
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger);
        _outbox.Activated();
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
        var mentions = await ResolveMentions(body, author.UserId);
        var post = _posts.New(1, author, body, null, mentions, "opening", now)
            with { Attachments = await Attachments.Bind(GrainFactory, _key.CommunityId, attachmentIds, $"thread:{_key.ThreadId}:opening", author) };
        await _posts.Put(new StoredPost(post, [], []));
        // The directory's settings as it created the thread: fresh, so the first reactions need not ask again.
        _reactions.Seed(settings, now);
        S.LastSeq = 1;
        S.Followers.Add(author.UserId);
        S.Summary = ThreadSummary.Opened(_key, draft, title, tags, author, now, PostRenderer.Excerpt(body));
        _outbox.Add(new UpsertSummary(S.Summary));
        _outbox.Add(RaiseWebhook.Of(_key.CommunityId, WebhookEventKinds.ThreadCreated, now, S.Summary));
        RecordNewPost(post, ActionKinds.ThreadCreated, SourceIds.Thread(_key.ThreadId), followers: []);
        await Store();
        ChatMetrics.PostsStored.Add(1);
        await Publish(new PostPublished(post));
        return S.Summary;
    }

    public Task<ThreadSummary> GetSummary() => Task.FromResult(RequireThread(allowRemoved: true));

    public Task<PostOutcome> Reply(NewReply reply, Actor author) => ReplyCore(reply, author, approved: false);

    public async Task<Chat.SendAck> AcceptApproved(NewReply reply, Actor author)
    {
        var post = (await ReplyCore(reply, author, approved: true)).Post!;
        return new Chat.SendAck(post.Seq, post.PostId);
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

        if (S.LastSeq >= ThreadRules.MaxPosts)
        {
            throw CommunityException.Invalid($"This thread has reached {ThreadRules.MaxPosts} posts and takes no more replies; start a new thread.");
        }

        if (reply.ReplyToSeq is { } quoted && (quoted < 1 || quoted > S.LastSeq))
        {
            throw CommunityException.Invalid($"replyToSeq must name a post of this thread (1 to {S.LastSeq}).");
        }

        var attachmentIds = Attachments.RequireIds(reply.AttachmentIds, "post");
        var now = clock.GetUtcNow();
        if (!approved)
        {
            var check = await _gate.Prepare(author.UserId, now, slowModeSeconds: 0);
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

        var mentions = await ResolveMentions(body, author.UserId);
        var post = _posts.New(S.LastSeq + 1, author, body, reply.ReplyToSeq, mentions, clientPostId, now)
            with { Attachments = await Attachments.Bind(GrainFactory, _key.CommunityId, attachmentIds, $"thread:{_key.ThreadId}:{retryKey}", author) };
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

        _outbox.Add(RaiseWebhook.Of(_key.CommunityId, WebhookEventKinds.PostCreated, now, post));
        RecordNewPost(post, ActionKinds.Reply, SourceIds.Post(post.PostId), followedBefore);
        await Store();
        ChatMetrics.PostsStored.Add(1);
        await Publish(new PostPublished(post));
        return new PostOutcome(post, null);
    }

    public async Task<ThreadPost> Edit(long seq, string body, Actor editor)
    {
        RequireThread();
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
        var mentions = await ResolveMentions(text, editor.UserId);
        stored.History.Add(new PostRevision(stored.Post.Markdown, now, editor.UserId));
        var edited = stored.Post with { Markdown = text, Html = PostRenderer.ToHtml(text), EditedAt = now, Mentions = mentions, Revisions = stored.History.Count };
        await _posts.Put(stored with { Post = edited });
        if (seq == 1)
        {
            ChangeSummary(s => s with { Excerpt = PostRenderer.Excerpt(text) });
        }

        _outbox.Add(new IndexPosts(_key.CommunityId, [ForumSearchGrain.ToDocument(S.Summary!, edited)]));
        _outbox.AddRange(Mentioned(edited, [.. mentions.Except(stored.Post.Mentions, StringComparer.Ordinal)]));
        await Store();
        await Publish(new PostEdited(edited));
        return edited;
    }

    public async Task<PostRemovedNotice> Remove(long seq, string reason, Actor caller)
    {
        RequireThread(allowRemoved: true);
        var stored = await Load(seq);
        var notice = new PostRemovedNotice(_key.CommunityId, _key.ThreadId, seq, stored.Post.PostId);
        if (stored.Post.Removed)
        {
            return notice;
        }

        var byAuthor = stored.Post.AuthorId == caller.UserId;
        if (!byAuthor)
        {
            await ModerationRoles.RequireModerator(GrainFactory, _key.CommunityId, caller);
        }

        stored.History.Add(new PostRevision(stored.Post.Markdown, clock.GetUtcNow(), caller.UserId));
        await _posts.Put(stored with { Post = stored.Post with { Markdown = "", Html = "", Removed = true, Mentions = [], Revisions = stored.History.Count, Attachments = null } });
        var wasAccepted = S.Summary!.AcceptedSeq == seq;
        ChangeSummary(s => seq == 1
            ? s with { Removed = true }
            : s with { Replies = Math.Max(0, s.Replies - 1), AcceptedSeq = wasAccepted ? null : s.AcceptedSeq });
        _outbox.Add(RevokeAttachments.Of(_key.CommunityId, stored.Post.Attachments));
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
        await Publish(new PostRemoved(notice));
        if (seq == 1 || wasAccepted)
        {
            await Publish(new ThreadChanged(S.Summary!));
        }

        return notice;
    }

    public async Task<PostReactions> React(long seq, string emoji, bool on, Actor caller)
    {
        RequireThread();
        var now = clock.GetUtcNow();
        await _reactions.RequireAllowed(emoji, now);
        var stored = await LoadLive(seq);
        await _gate.RequireMayPost(caller.UserId, now);
        var reactors = stored.Reactors.GetValueOrDefault(emoji);
        var has = reactors?.Contains(caller.UserId) == true;
        if (has != on)
        {
            _reactions.RequireRate(caller.UserId, now);
            if (on)
            {
                (stored.Reactors[emoji] = reactors ?? new HashSet<string>(StringComparer.Ordinal)).Add(caller.UserId);
            }
            else if (reactors!.Remove(caller.UserId) && reactors.Count == 0)
            {
                stored.Reactors.Remove(emoji);
            }

            var counts = ThreadPosts.Counts(stored.Reactors);
            await _posts.Put(stored with { Post = stored.Post with { Reactions = counts } });
            ChangeSummary(s => s with { Reactions = Math.Max(0, s.Reactions + (on ? 1 : -1)) });
            if (stored.Post.AuthorId != caller.UserId)
            {
                var source = SourceIds.Reaction(stored.Post.PostId, caller.UserId, emoji);
                _outbox.Add(on
                    ? new AwardPoints([new ActivityEvent(source, _key.CommunityId, stored.Post.AuthorId, stored.Post.AuthorName, ActionKinds.ReactionReceived, now, null, caller.UserId, _key.ThreadId)])
                    : new TakeBackPoints(_key.CommunityId, stored.Post.AuthorId, [source]));
            }

            await Store();
            await Publish(new PostReactionsChanged(new PostReactions(_key.CommunityId, _key.ThreadId, seq, counts, null)));
        }

        return new PostReactions(_key.CommunityId, _key.ThreadId, seq, ThreadPosts.Counts(stored.Reactors),
            [.. stored.Reactors.Where(r => r.Value.Contains(caller.UserId)).Select(r => r.Key).Order(StringComparer.Ordinal)]);
    }

    public async Task<ThreadSummary> Accept(string? postId, Actor caller)
    {
        var summary = RequireThread();
        if (summary.Kind != ThreadKind.Question)
        {
            throw CommunityException.Invalid("Only a question has an accepted answer.");
        }

        if (summary.AuthorId != caller.UserId)
        {
            await ModerationRoles.RequireModerator(GrainFactory, _key.CommunityId, caller);
        }

        long? seq = postId is null ? null : _posts.SeqOf(postId);
        if (seq == 1)
        {
            throw CommunityException.Invalid("The question itself cannot be its answer.");
        }

        var answer = seq is { } s ? await LoadLive(s) : null;
        if (summary.AcceptedSeq == seq)
        {
            return summary;
        }

        var previous = summary.AcceptedSeq is { } p ? await Load(p) : null;
        var now = clock.GetUtcNow();
        ChangeSummary(t => t with { AcceptedSeq = seq });
        if (answer is not null && !S.AnswerMeasured)
        {
            S.AnswerMeasured = true;
            _outbox.Add(new RecordResponseTime(_key.CommunityId, _key.ThreadId, summary.AuthorId, KpiSampleKinds.AcceptedAnswer, summary.CreatedAt, now));
        }

        if (previous is not null)
        {
            _outbox.Add(new TakeBackPoints(_key.CommunityId, previous.Post.AuthorId, [SourceIds.AcceptedAnswer(previous.Post.PostId)]));
        }

        if (answer is not null)
        {
            _outbox.Add(RaiseWebhook.Of(_key.CommunityId, WebhookEventKinds.AnswerAccepted, now, new AcceptedAnswer(S.Summary!, answer.Post, caller.UserId)));
        }

        if (answer is not null && answer.Post.AuthorId != summary.AuthorId)
        {
            var source = SourceIds.AcceptedAnswer(answer.Post.PostId);
            _outbox.Add(new AwardPoints([new ActivityEvent(source, _key.CommunityId, answer.Post.AuthorId, answer.Post.AuthorName, ActionKinds.AnswerAccepted, now, null, caller.UserId, _key.ThreadId)]));
            _outbox.AddRange(SendNotices.For([answer.Post.AuthorId], new NotificationDraft(_key.CommunityId, NotificationKinds.AnswerAccepted, $"Your answer was accepted in “{summary.Title}”.", source)));
        }

        await Store();
        await Publish(new ThreadChanged(S.Summary!));
        return S.Summary!;
    }

    public async Task<bool> Follow(bool follow, Actor caller)
    {
        RequireThread();
        _ = await _gate.RequireMember(caller.UserId, clock.GetUtcNow());
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

    public Task<bool> IsFollowing(string userId) => Task.FromResult(S.Followers.Contains(userId));

    public async Task<ThreadSummary> Vote(bool up, Actor caller)
    {
        var summary = RequireThread();
        if (summary.Kind != ThreadKind.Idea)
        {
            throw CommunityException.Invalid("Only ideas take votes.");
        }

        // Voting is not posting: a muted member may vote, a banned one may not (as for polls and Q&A).
        PostingRules.RequireNotBanned(await _gate.RequireMember(caller.UserId, clock.GetUtcNow()));
        if (up ? S.Voters.Add(caller.UserId) : S.Voters.Remove(caller.UserId))
        {
            ChangeSummary(s => s with { Votes = S.Voters.Count });
            await Store();
            await Publish(new ThreadChanged(S.Summary!));
        }

        return S.Summary!;
    }

    public async Task<ThreadSummary> SetStatus(IdeaStatus status, string? comment, Actor caller)
    {
        var summary = RequireThread();
        if (summary.Kind != ThreadKind.Idea)
        {
            throw CommunityException.Invalid("Only ideas have a status.");
        }

        if (!Enum.IsDefined(status))
        {
            throw CommunityException.Invalid("status must be open, under_review, planned, shipped or declined.");
        }

        var text = comment?.Trim() ?? "";
        if (text.Length > MaxStatusCommentLength)
        {
            throw new CommunityException(ErrorCodes.TooLong, $"The status comment has {text.Length} characters; at most {MaxStatusCommentLength} are allowed.");
        }

        await ModerationRoles.RequireAdmin(GrainFactory, _key.CommunityId, caller, "Only community managers (admins and the owner) set an idea's status.");
        if (summary.Status == status && summary.StatusComment == text)
        {
            return summary;
        }

        ChangeSummary(s => s with { Status = status, StatusComment = text.Length == 0 ? null : text, LastActivityAt = clock.GetUtcNow() });
        var message = $"“{summary.Title}” is now {ThreadRules.StatusName(status)}{(text.Length > 0 ? $": {text}" : ".")}";
        _outbox.AddRange(SendNotices.For(S.Voters.Append(summary.AuthorId).Where(u => u != caller.UserId),
            new NotificationDraft(_key.CommunityId, NotificationKinds.IdeaStatus, message, SourceIds.IdeaStatus(_key.ThreadId, S.Summary!.Version))));
        await Store();
        await Publish(new ThreadChanged(S.Summary!));
        return S.Summary!;
    }

    public async Task<ThreadPostsPage> GetPosts(long afterSeq, int limit)
    {
        var summary = RequireThread(allowRemoved: true);
        // Snapshot first: this call interleaves with replies, and only what is stored and counted may be read.
        var lastSeq = S.LastSeq;
        var to = Math.Min(lastSeq, Math.Max(afterSeq, 0) + limit);
        return new ThreadPostsPage(summary, lastSeq, await _posts.Range(Math.Max(afterSeq, 0) + 1, to), to < lastSeq);
    }

    public Task<long> GetLastSeq() => Task.FromResult(S.LastSeq);

    public async Task<IReadOnlyList<PostRevision>> GetRevisions(long seq, Actor caller)
    {
        RequireThread(allowRemoved: true);
        var stored = await Load(seq);
        if (stored.Post.Removed)
        {
            await ModerationRoles.RequireModerator(GrainFactory, _key.CommunityId, caller);
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

    /// <summary>
    /// Stores the state with its recorded follow-ups, which then go out. A failed write ends the activation, so memory
    /// never runs ahead of storage (the next call reads what was stored).
    /// </summary>
    private async Task Store()
    {
        try
        {
            await _outbox.Store();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>
    /// The follow-ups of a new post, recorded with it: the listing's and the search index's copies, points for its author,
    /// then notices to those it mentions and to the followers it did not mention.
    /// </summary>
    private void RecordNewPost(ThreadPost post, string action, string source, IReadOnlyList<string> followers)
    {
        _outbox.Add(new IndexPosts(_key.CommunityId, [ForumSearchGrain.ToDocument(S.Summary!, post)]));
        _outbox.Add(new AwardPoints([new ActivityEvent(source, _key.CommunityId, post.AuthorId, post.AuthorName, action, post.CreatedAt, null, ThreadId: _key.ThreadId)]));
        _outbox.AddRange(Mentioned(post, post.Mentions));
        var title = S.Summary?.Title ?? "";
        _outbox.AddRange(SendNotices.For(followers.Where(u => u != post.AuthorId && !post.Mentions.Contains(u, StringComparer.Ordinal)),
            new NotificationDraft(_key.CommunityId, NotificationKinds.Reply, $"{post.AuthorName} replied in “{title}”: {PostRenderer.Excerpt(post.Markdown, 120)}", SourceIds.Post(post.PostId))));
    }

    private IEnumerable<SendNotices> Mentioned(ThreadPost post, IReadOnlyList<string> mentioned) =>
        SendNotices.For(mentioned, new NotificationDraft(_key.CommunityId, NotificationKinds.Mention,
            $"{post.AuthorName} mentioned you in “{S.Summary?.Title}”: {PostRenderer.Excerpt(post.Markdown, 120)}", SourceIds.Mention(post.PostId)));

    /// <summary>Every change of the summary bumps its version (the directory keeps the newest) and is copied to the listing.</summary>
    private void ChangeSummary(Func<ThreadSummary, ThreadSummary> change)
    {
        S.Summary = change(S.Summary!) with { Version = S.Summary!.Version + 1 };
        _outbox.Add(new UpsertSummary(S.Summary));
    }

    private Task<StoredPost> Load(long seq) => _posts.Load(seq, S.LastSeq);

    private Task<StoredPost> LoadLive(long seq) => _posts.LoadLive(seq, S.LastSeq);

    // New threads and edits are not queued: a moderator would approve a thread that does not exist yet, or an edit of a
    // post that moved on. Their authors are told to rephrase instead.
    private static void RefuseHold(Verdict? hold, string what)
    {
        if (hold is not null)
        {
            throw new CommunityException(ErrorCodes.BlockedContent, $"This {what} needs a moderator's review ({hold.Reason}); it was not posted.");
        }
    }

    /// <summary>The mentioned ids that are members of this community (others stay plain text), never the author.</summary>
    private async Task<IReadOnlyList<string>> ResolveMentions(string body, string authorId)
    {
        var candidates = Mentions.Find(body, ThreadRules.MaxMentionsNotified).Where(id => id != authorId).ToList();
        var members = await Task.WhenAll(candidates.Select(id => GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(_key.CommunityId, id)).Get()));
        return [.. candidates.Where((_, i) => members[i] is not null)];
    }

    private ThreadSummary RequireThread(bool allowRemoved = false) =>
        S.Summary is { } summary && (allowRemoved || !summary.Removed) ? summary : throw CommunityException.NotFound($"Thread '{_key.ThreadId}'");

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
