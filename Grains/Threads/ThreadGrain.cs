using System.Globalization;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Moderation;
using CommunityScale.Moderation.Classifier;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Privacy;
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
}

/// <summary>
/// The one place a forum post is accepted (see <see cref="IThreadGrain"/>). Posts live in pages of
/// <see cref="ThreadRules.PageSize"/>: a reply stores its page, then the thread's last seq, and only then answers, so
/// an acknowledged post is durable and a half-done one is invisible. Notifications and points follow the answer.
/// </summary>
public sealed partial class ThreadGrain(
    [PersistentState("thread", StorageNames.Main)] IPersistentState<ThreadState> state,
    IOptions<ChatOptions> options,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IMessageClassifier classifier,
    ILogger<ThreadGrain> logger) : Grain, IThreadGrain
{
    private const int RecentClientPostsKept = 500;
    private const int MaxFollowers = 10_000;
    private const int MaxStatusCommentLength = 1_000;
    private static readonly TimeSpan SettingsRefresh = TimeSpan.FromSeconds(30);

    private readonly SlidingWindowRateLimiter _reactionLimiter = new(30, TimeSpan.FromSeconds(10));
    private ThreadKey _key;
    private IAsyncStream<ThreadStreamEvent> _stream = null!;
    private ModerationPipeline? _pipeline;
    private ModerationPipeline? _contentPipeline;
    private long _pipelineVersion = -1;
    private DateTimeOffset _policyCheckedUntil;
    private int _guidelinesVersion;
    private DateTimeOffset _settingsCheckedUntil;
    private ForumSettings _settings = ForumSettings.Default;

    private ThreadState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ThreadKey.Parse(this.GetPrimaryKeyString());
        _stream = this.GetStreamProvider(StreamNames.Provider).GetStream<ThreadStreamEvent>(StreamNames.ForThread(_key));
        if (S.Summary is { } summary)
        {
            // The directory's copy is written behind; hand it ours again in case it lost the last one in a crash.
            Directory.Upsert(summary).Ignore();
        }

        return Task.CompletedTask;
    }

    public async Task<ThreadSummary> Create(ThreadDraft draft, ForumSettings settings, Actor author)
    {
        if (S.Summary is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Thread '{_key}' already exists.");
        }

        var title = ThreadRules.RequireTitle(draft.Title);
        var body = ThreadRules.RequireBody(draft.Body);
        var tags = ThreadRules.RequireTags(draft.Tags);
        var attachmentIds = RequireAttachmentIds(draft.AttachmentIds);
        var now = clock.GetUtcNow();
        var member = await RequireMayPost(author, now);
        RefuseHold(await Moderate(member, author, $"{title}\n{body}", now), "thread");
        var mentions = await ResolveMentions(body, author.UserId);
        var post = NewPost(1, author, body, null, mentions, "opening", now) with { Attachments = await AttachAll(attachmentIds, "opening", author) };
        await Page(1).Put(new StoredPost(post, [], []));
        // The directory's settings as it created the thread: fresh, so the first reactions and edits need not ask again.
        (_settings, _settingsCheckedUntil) = (settings, now + SettingsRefresh);
        S.LastSeq = 1;
        S.Followers.Add(author.UserId);
        S.Summary = new ThreadSummary(_key.CommunityId, _key.ThreadId, draft.CategoryId, draft.Kind, title, tags, author.UserId, author.DisplayName,
            now, now, 0, 0, null, 0, IdeaStatus.Open, null, false, 1, PostRenderer.Excerpt(body));
        await state.WriteStateAsync();
        ChatMetrics.PostsStored.Add(1);
        await Publish(new PostPublished(post));
        Directory.Upsert(S.Summary).Ignore();
        Search.Index(ForumSearchGrain.ToDocument(S.Summary, post)).Ignore();
        Integrations.Webhooks.Raise(GrainFactory, _key.CommunityId, Integrations.WebhookEventKinds.ThreadCreated, now, S.Summary);
        _ = AfterPost(post, ActionKinds.ThreadCreated, PointsSourceOfThread());
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

        var attachmentIds = RequireAttachmentIds(reply.AttachmentIds);
        var now = clock.GetUtcNow();
        if (!approved)
        {
            var member = await RequireMayPost(author, now);
            if (await Moderate(member, author, body, now) is { } hold)
            {
                if (attachmentIds.Count > 0)
                {
                    throw new CommunityException(ErrorCodes.BlockedContent, $"This post needs a moderator's review ({hold.Reason}); post it without attachments to queue it for review.");
                }

                var held = await GrainFactory.GetGrain<IModerationQueueGrain>(_key.CommunityId)
                    .HoldPost(_key.ThreadId, author.UserId, author.DisplayName, body, reply.ReplyToSeq, clientPostId, hold.Reason);
                return new PostOutcome(null, held.Id);
            }
        }

        var mentions = await ResolveMentions(body, author.UserId);
        var post = NewPost(S.LastSeq + 1, author, body, reply.ReplyToSeq, mentions, clientPostId, now)
            with { Attachments = await AttachAll(attachmentIds, $"{author.UserId}/{clientPostId}", author) };
        await Page(post.Seq).Put(new StoredPost(post, [], []));
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
        var firstReply = !S.FirstReplyMeasured && author.UserId != S.Summary!.AuthorId;
        S.FirstReplyMeasured |= firstReply;
        await state.WriteStateAsync();
        if (firstReply)
        {
            _ = MeasureResponse(KpiSampleKinds.FirstReply, now);
        }

        ChatMetrics.PostsStored.Add(1);
        await Publish(new PostPublished(post));
        Directory.Upsert(S.Summary!).Ignore();
        Search.Index(ForumSearchGrain.ToDocument(S.Summary!, post)).Ignore();
        _ = AfterPost(post, ActionKinds.Reply, PointsSourceOf(post), followedBefore);
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
        var member = await RequireMayPost(editor, now);
        RefuseHold(await Moderate(member, editor, text, now, edit: true), "edit");
        var mentions = await ResolveMentions(text, editor.UserId);
        stored.History.Add(new PostRevision(stored.Post.Markdown, now, editor.UserId));
        var edited = stored.Post with
        {
            Markdown = text,
            Html = PostRenderer.ToHtml(text),
            EditedAt = now,
            Mentions = mentions,
            Revisions = stored.History.Count,
        };
        await Page(seq).Put(stored with { Post = edited });
        if (seq == 1)
        {
            ChangeSummary(s => s with { Excerpt = PostRenderer.Excerpt(text) });
            await state.WriteStateAsync();
            Directory.Upsert(S.Summary!).Ignore();
        }

        await Publish(new PostEdited(edited));
        Search.Index(ForumSearchGrain.ToDocument(S.Summary!, edited)).Ignore();
        _ = NotifyMentioned(edited, mentions.Except(stored.Post.Mentions, StringComparer.Ordinal).ToList());
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

        var now = clock.GetUtcNow();
        stored.History.Add(new PostRevision(stored.Post.Markdown, now, caller.UserId));
        await Page(seq).Put(stored with { Post = stored.Post with { Markdown = "", Html = "", Removed = true, Mentions = [], Revisions = stored.History.Count, Attachments = null } });
        var wasAccepted = S.Summary!.AcceptedSeq == seq;
        ChangeSummary(s => seq == 1
            ? s with { Removed = true }
            : s with { Replies = Math.Max(0, s.Replies - 1), AcceptedSeq = wasAccepted ? null : s.AcceptedSeq });
        await state.WriteStateAsync();
        // After the removal is stored, and best effort (as chat does): a failed revoke must not leave it half done.
        _ = RevokeAll(stored.Post.Attachments);
        await Publish(new PostRemoved(notice));
        if (seq == 1 || wasAccepted)
        {
            await Publish(new ThreadChanged(S.Summary!));
        }

        Directory.Upsert(S.Summary!).Ignore();
        (seq == 1 ? Search.RemoveThread(_key.ThreadId) : Search.RemovePost(stored.Post.PostId)).Ignore();
        if (!byAuthor)
        {
            await GrainFactory.GetGrain<IAuditLogGrain>(_key.CommunityId).Append(caller.UserId, "remove_post", $"thread {_key.ThreadId}#{seq} by {stored.Post.AuthorId}", reason ?? "");
        }

        // Removed content must not pay: what the post, its reactions and its acceptance earned goes.
        _ = TakeBack(stored.Post.AuthorId, [seq == 1 ? PointsSourceOfThread() : PointsSourceOf(stored.Post),
            .. stored.Reactors.SelectMany(r => r.Value.Select(u => ReactionSource(stored.Post, u, r.Key))),
            .. wasAccepted ? [AcceptedSource(stored.Post)] : Array.Empty<string>()]);
        return notice;
    }

    public async Task<PostReactions> React(long seq, string emoji, bool on, Actor caller)
    {
        RequireThread();
        var settings = await CurrentSettings();
        if (emoji is null || !settings.Reactions.Contains(emoji, StringComparer.Ordinal))
        {
            throw CommunityException.Invalid($"Unknown reaction; this community allows {string.Join(", ", settings.Reactions)}.");
        }

        var stored = await LoadLive(seq);
        var now = clock.GetUtcNow();
        PostingRules.RequireMayPost(await RequireMember(caller), now);
        var reactors = stored.Reactors.GetValueOrDefault(emoji);
        var has = reactors?.Contains(caller.UserId) == true;
        if (has != on)
        {
            if (!_reactionLimiter.TryAcquire(caller.UserId, now, out var retryAfter))
            {
                throw new CommunityException(ErrorCodes.RateLimited, $"Too many reactions; try again in {Math.Ceiling(retryAfter.TotalSeconds):0} s.");
            }

            if (on)
            {
                (stored.Reactors[emoji] = reactors ?? new HashSet<string>(StringComparer.Ordinal)).Add(caller.UserId);
            }
            else
            {
                reactors!.Remove(caller.UserId);
                if (reactors.Count == 0)
                {
                    stored.Reactors.Remove(emoji);
                }
            }

            var counts = Counts(stored.Reactors);
            await Page(seq).Put(stored with { Post = stored.Post with { Reactions = counts } });
            ChangeSummary(s => s with { Reactions = Math.Max(0, s.Reactions + (on ? 1 : -1)) });
            await state.WriteStateAsync();
            await Publish(new PostReactionsChanged(new PostReactions(_key.CommunityId, _key.ThreadId, seq, counts, null)));
            Directory.Upsert(S.Summary!).Ignore();
            if (stored.Post.AuthorId != caller.UserId)
            {
                var source = ReactionSource(stored.Post, caller.UserId, emoji);
                _ = on
                    ? Award(new ActivityEvent(source, _key.CommunityId, stored.Post.AuthorId, stored.Post.AuthorName, ActionKinds.ReactionReceived, now, null, caller.UserId, _key.ThreadId))
                    : TakeBack(stored.Post.AuthorId, [source]);
            }
        }

        return new PostReactions(_key.CommunityId, _key.ThreadId, seq, Counts(stored.Reactors),
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

        long? seq = postId is null ? null : SeqOfPostId(postId);
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
        ChangeSummary(t => t with { AcceptedSeq = seq });
        var firstAnswer = answer is not null && !S.AnswerMeasured;
        S.AnswerMeasured |= firstAnswer;
        await state.WriteStateAsync();
        if (firstAnswer)
        {
            _ = MeasureResponse(KpiSampleKinds.AcceptedAnswer, clock.GetUtcNow());
        }

        await Publish(new ThreadChanged(S.Summary!));
        Directory.Upsert(S.Summary!).Ignore();
        if (previous is not null)
        {
            _ = TakeBack(previous.Post.AuthorId, [AcceptedSource(previous.Post)]);
        }

        if (answer is not null)
        {
            Integrations.Webhooks.Raise(GrainFactory, _key.CommunityId, Integrations.WebhookEventKinds.AnswerAccepted, clock.GetUtcNow(),
                new AcceptedAnswer(S.Summary!, answer.Post, caller.UserId));
        }

        if (answer is not null && answer.Post.AuthorId != summary.AuthorId)
        {
            var now = clock.GetUtcNow();
            _ = Award(new ActivityEvent(AcceptedSource(answer.Post), _key.CommunityId, answer.Post.AuthorId, answer.Post.AuthorName, ActionKinds.AnswerAccepted, now, null, caller.UserId, _key.ThreadId));
            _ = Notify(answer.Post.AuthorId, NotificationKinds.AnswerAccepted, $"Your answer was accepted in “{summary.Title}”.", AcceptedSource(answer.Post));
        }

        return S.Summary!;
    }

    public async Task<bool> Follow(bool follow, Actor caller)
    {
        RequireThread();
        _ = await RequireMember(caller);
        var changed = follow ? S.Followers.Count < MaxFollowers && S.Followers.Add(caller.UserId) : S.Followers.Remove(caller.UserId);
        if (follow && !changed && !S.Followers.Contains(caller.UserId))
        {
            throw CommunityException.Invalid($"This thread already has {MaxFollowers} followers.");
        }

        if (changed)
        {
            await state.WriteStateAsync();
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
        PostingRules.RequireNotBanned(await RequireMember(caller));
        if (up ? S.Voters.Add(caller.UserId) : S.Voters.Remove(caller.UserId))
        {
            ChangeSummary(s => s with { Votes = S.Voters.Count });
            await state.WriteStateAsync();
            await Publish(new ThreadChanged(S.Summary!));
            Directory.Upsert(S.Summary!).Ignore();
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
        await state.WriteStateAsync();
        await Publish(new ThreadChanged(S.Summary!));
        Directory.Upsert(S.Summary!).Ignore();
        var source = $"idea:{_key.ThreadId}:{S.Summary!.Version}";
        var message = $"“{summary.Title}” is now {StatusName(status)}{(text.Length > 0 ? $": {text}" : ".")}";
        _ = NotifyAll([.. S.Voters.Append(summary.AuthorId).Distinct(StringComparer.Ordinal).Where(u => u != caller.UserId)], NotificationKinds.IdeaStatus, message, source);
        return S.Summary!;
    }

    public async Task<ThreadPostsPage> GetPosts(long afterSeq, int limit)
    {
        var summary = RequireThread(allowRemoved: true);
        // Snapshot first: this call interleaves with replies, and only what is stored and counted may be read.
        var lastSeq = S.LastSeq;
        var from = Math.Max(afterSeq, 0) + 1;
        var to = Math.Min(lastSeq, Math.Max(afterSeq, 0) + limit);
        var posts = new List<ThreadPost>();
        for (var page = PageIndexOf(from); from <= to && page <= PageIndexOf(to); page++)
        {
            foreach (var stored in await PageGrain(page).Read())
            {
                if (stored.Post.Seq >= from && stored.Post.Seq <= to)
                {
                    posts.Add(stored.Post);
                }
            }
        }

        return new ThreadPostsPage(summary, lastSeq, posts, to < lastSeq);
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

    private ThreadPost NewPost(long seq, Actor author, string body, long? replyTo, IReadOnlyList<string> mentions, string clientPostId, DateTimeOffset now) =>
        new(_key.CommunityId, _key.ThreadId, seq, $"{_key.ThreadId}-{seq.ToString(CultureInfo.InvariantCulture)}", author.UserId, author.DisplayName,
            body, PostRenderer.ToHtml(body), now, null, false, replyTo, new Dictionary<string, int>(), mentions, clientPostId, 0);

    private static IReadOnlyList<string> RequireAttachmentIds(IReadOnlyList<string>? ids)
    {
        var distinct = (ids ?? []).Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count > AttachmentGrain.MaxPerPost
            ? throw CommunityException.Invalid($"A post carries at most {AttachmentGrain.MaxPerPost} attachments.")
            : [.. distinct.Select(id => InputRules.RequireId(id, "attachment id"))];
    }

    /// <summary>Binds the uploads to this post; <paramref name="slot"/> names it so that a retried post binds them again, not twice.</summary>
    private async Task<IReadOnlyList<AttachmentInfo>?> AttachAll(IReadOnlyList<string> ids, string slot, Actor author) =>
        ids.Count == 0 ? null
        : await Task.WhenAll(ids.Select(id => GrainFactory.GetGrain<IAttachmentGrain>($"{_key.CommunityId}/{id}").Attach($"thread:{_key.ThreadId}:{slot}", author)));

    private async Task RevokeAll(IReadOnlyList<AttachmentInfo>? attachments)
    {
        foreach (var attachment in attachments ?? [])
        {
            try
            {
                await GrainFactory.GetGrain<IAttachmentGrain>($"{_key.CommunityId}/{attachment.Id}").Revoke();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogRevokeFailed(logger, ex, _key.ToString(), attachment.Id);
            }
        }
    }

    private long SeqOfPostId(string postId)
    {
        var prefix = $"{_key.ThreadId}-";
        return postId.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(postId.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq >= 1
            ? seq
            : throw CommunityException.Invalid($"Post '{(postId.Length > 80 ? postId[..80] : postId)}' is not a post of thread '{_key.ThreadId}'.");
    }

    private ThreadSummary RequireThread(bool allowRemoved = false) =>
        S.Summary is { } summary && (allowRemoved || !summary.Removed) ? summary : throw CommunityException.NotFound($"Thread '{_key.ThreadId}'");

    public async Task<MemberTrace> CollectMember(string userId)
    {
        if (S.Summary is null)
        {
            return MemberTrace.Empty;
        }

        var posts = new List<ThreadPost>();
        var reactions = new List<ReactionGiven>();
        foreach (var stored in await AllPosts())
        {
            if (stored.Post.AuthorId == userId)
            {
                posts.Add(stored.Post);
            }

            reactions.AddRange(stored.Reactors.Where(r => r.Value.Contains(userId)).Select(r => new ReactionGiven($"thread:{_key.ThreadId}", stored.Post.Seq, r.Key)));
        }

        return MemberTrace.Empty with
        {
            Posts = posts,
            Reactions = reactions,
            FollowedThreads = S.Followers.Contains(userId) ? [_key.ThreadId] : [],
            IdeaVotes = S.Voters.Contains(userId) ? [_key.ThreadId] : [],
            ThreadsOpened = S.Summary.AuthorId == userId ? [new ThreadOpened(_key.ThreadId, S.Summary.Title, S.Summary.CreatedAt, S.Summary.Tags)] : [],
        };
    }

    /// <summary>
    /// Erasure: the member's posts become author-less tombstones (seq kept) without revisions or reactors; in others'
    /// posts they leave the reactor lists (their reactions count on, as the pseudonym), the mentions and the revision
    /// authors. A thread they opened keeps its replies under a "[removed]" title. Notices that carried their words
    /// (replies, mentions) leave the recipients' inboxes, and the search index forgets their text.
    /// </summary>
    public async Task EraseMember(string userId, string pseudonym)
    {
        if (S.Summary is null)
        {
            return;
        }

        var opener = S.Summary.AuthorId == userId;
        var recipients = new HashSet<string>(S.Followers.Concat(S.Voters), StringComparer.Ordinal);
        var sources = new List<string>();
        var erasedPosts = new List<ThreadPost>();
        var reactedTo = new HashSet<string>(StringComparer.Ordinal);
        var reindexed = new List<ThreadPost>();
        var writes = new List<StoredPost>();
        foreach (var stored in await AllPosts())
        {
            var post = stored.Post;
            StoredPost changed;
            if (post.AuthorId == userId)
            {
                recipients.UnionWith(post.Mentions);
                sources.AddRange([$"post:{post.PostId}", $"mention:{post.PostId}"]);
                erasedPosts.Add(post);
                _ = RevokeAll(post.Attachments);
                changed = new StoredPost(
                    post with
                    {
                        AuthorId = "", AuthorName = Tombstones.Author, Markdown = "", Html = "", Removed = true, Mentions = [], ClientPostId = "",
                        Attachments = null, EditedAt = null, Revisions = 0, Reactions = new Dictionary<string, int>(),
                    },
                    [], []);
            }
            else
            {
                if (opener)
                {
                    recipients.UnionWith(post.Mentions);
                    sources.AddRange([$"post:{post.PostId}", $"mention:{post.PostId}"]);
                }

                var names = new Pseudonym(userId, "", pseudonym);
                if (names.Scrub(post.Markdown) != post.Markdown)
                {
                    post = post with { Markdown = names.Scrub(post.Markdown), Html = names.Scrub(post.Html) };
                    reindexed.Add(post);
                }

                var reactors = stored.Reactors.ToDictionary(
                    r => r.Key, r => r.Value.Contains(userId) ? [.. r.Value.Where(u => u != userId), pseudonym] : r.Value, StringComparer.Ordinal);
                changed = new StoredPost(
                    post.Mentions.Contains(userId, StringComparer.Ordinal) ? post with { Mentions = [.. post.Mentions.Where(u => u != userId)] } : post,
                    reactors,
                    [.. stored.History.Select(h => h.By == userId ? h with { By = pseudonym } : h)]);
                var reacted = stored.Reactors.Values.Any(r => r.Contains(userId));
                if (reacted)
                {
                    reactedTo.Add(post.AuthorId);
                }

                if (changed.Post == stored.Post && !reacted && !stored.History.Exists(h => h.By == userId))
                {
                    continue;
                }
            }

            writes.Add(changed);
        }

        if (opener)
        {
            sources.Add($"idea:{_key.ThreadId}:");
        }

        // What refers to the member elsewhere goes first, while the posts still say what it was: a failure here is
        // retried with everything known again; once the posts are tombstones, a retry could no longer find it.
        foreach (var author in reactedTo.Where(a => a.Length > 0))
        {
            await GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(_key.CommunityId, author)).ForgetReactor(userId, pseudonym);
        }

        recipients.Remove(userId);
        foreach (var recipient in recipients)
        {
            await GrainFactory.GetGrain<INotificationInboxGrain>(recipient).Forget(_key.CommunityId, sources);
        }

        foreach (var post in erasedPosts)
        {
            await Search.RemovePost(post.PostId);
        }

        foreach (var changed in writes)
        {
            await Page(changed.Post.Seq).Put(changed);
        }

        if (opener)
        {
            ChangeSummary(s => s with { AuthorId = "", AuthorName = Tombstones.Author, Title = Tombstones.Author, Excerpt = "", Tags = [] });
        }
        else
        {
            var names = new Pseudonym(userId, "", pseudonym);
            ChangeSummary(s => s with { Title = names.Scrub(s.Title), Excerpt = names.Scrub(s.Excerpt) });
        }

        S.Followers.Remove(userId);
        if (S.Voters.Remove(userId))
        {
            S.Voters.Add(pseudonym);
        }

        S.RecentClientPosts.RemoveAll(p => p.Key.StartsWith(userId + "/", StringComparison.Ordinal));
        await state.WriteStateAsync();
        await Directory.Upsert(S.Summary!);
        foreach (var post in erasedPosts)
        {
            await Publish(new PostRemoved(new PostRemovedNotice(_key.CommunityId, _key.ThreadId, post.Seq, post.PostId)));
        }

        foreach (var post in reindexed.Where(_ => !opener))
        {
            await Search.Index(ForumSearchGrain.ToDocument(S.Summary!, post));
        }

        if (opener)
        {
            // Every post's search document carries the title: all of them are indexed again under the new one.
            await Search.RemoveThread(_key.ThreadId);
            foreach (var stored in await AllPosts())
            {
                if (!stored.Post.Removed)
                {
                    await Search.Index(ForumSearchGrain.ToDocument(S.Summary!, stored.Post));
                }
            }
        }

        DeactivateOnIdle();
    }

    private async Task<List<StoredPost>> AllPosts()
    {
        var posts = new List<StoredPost>();
        for (var page = 0L; page <= PageIndexOf(Math.Max(1, S.LastSeq)); page++)
        {
            posts.AddRange((await PageGrain(page).Read()).Where(p => p.Post.Seq <= S.LastSeq));
        }

        return posts;
    }

    private void ChangeSummary(Func<ThreadSummary, ThreadSummary> change) =>
        S.Summary = change(S.Summary!) with { Version = S.Summary!.Version + 1 };

    private async Task<StoredPost> Load(long seq)
    {
        if (seq < 1 || seq > S.LastSeq)
        {
            throw CommunityException.NotFound($"Post {seq} of thread '{_key.ThreadId}'");
        }

        return (await Page(seq).Read()).FirstOrDefault(p => p.Post.Seq == seq) ?? throw CommunityException.NotFound($"Post {seq} of thread '{_key.ThreadId}'");
    }

    private async Task<StoredPost> LoadLive(long seq)
    {
        var stored = await Load(seq);
        return stored.Post.Removed ? throw CommunityException.NotFound($"Post {seq} of thread '{_key.ThreadId}' was removed; it") : stored;
    }

    private static long PageIndexOf(long seq) => (seq - 1) / ThreadRules.PageSize;

    private IThreadPageGrain Page(long seq) => PageGrain(PageIndexOf(seq));

    private IThreadPageGrain PageGrain(long pageIndex) =>
        GrainFactory.GetGrain<IThreadPageGrain>($"{_key}/{pageIndex.ToString(CultureInfo.InvariantCulture)}");

    private IForumSearchGrain Search => GrainFactory.GetGrain<IForumSearchGrain>(_key.CommunityId);

    private IThreadDirectoryGrain Directory => GrainFactory.GetGrain<IThreadDirectoryGrain>(_key.CommunityId);

    private Task<MemberInfo> RequireMember(Actor actor) => PostingRules.RequireMember(GrainFactory, _key.CommunityId, actor.UserId);

    private async Task<MemberInfo> RequireMayPost(Actor actor, DateTimeOffset now)
    {
        var member = await RequireMember(actor);
        PostingRules.RequireMayPost(member, now);
        return member;
    }

    /// <summary>
    /// The community's automatic moderation, as chat runs it (without slow mode, which is a channel's): refusals throw
    /// their code; a verdict to hold for review is returned (null: accepted). An edit meets only the content rules, as
    /// in chat: flood and duplicate rules are about sending, and an edit neither uses up nor is remembered by them.
    /// </summary>
    private async Task<Verdict?> Moderate(MemberInfo member, Actor author, string text, DateTimeOffset now, bool edit = false)
    {
        if (_pipeline is null || now >= _policyCheckedUntil)
        {
            var policy = await GrainFactory.GetGrain<IModerationPolicyGrain>(_key.CommunityId).Get();
            _policyCheckedUntil = now + options.Value.PolicyRefreshInterval;
            _guidelinesVersion = policy.GuidelinesVersion;
            if (_pipeline is null || policy.Version != _pipelineVersion)
            {
                _pipeline = ModerationPipeline.Build(policy, 0, options.Value.RateLimitCount, options.Value.RateLimitWindow, classifier).CarryMemoryFrom(_pipeline);
                _contentPipeline = ModerationPipeline.BuildContentRules(policy, classifier);
                _pipelineVersion = policy.Version;
            }
        }

        if (!edit)
        {
            PostingRules.RequireConsent(member, _guidelinesVersion);
        }

        var input = PostingRules.InputFor(member, author.UserId, text, now);
        if ((edit ? _contentPipeline! : _pipeline).Evaluate(input) is { } verdict)
        {
            ChatMetrics.ModerationRefusals.Add(1, new KeyValuePair<string, object?>("step", verdict.Step));
            return verdict.Hold ? verdict : throw new CommunityException(verdict.Code, verdict.Reason);
        }

        if (!edit)
        {
            _pipeline.Accepted(input);
        }

        return null;
    }

    // New threads and edits are not queued: a moderator would approve a thread that does not exist yet, or an edit of a
    // post that moved on. Their authors are told to rephrase instead.
    private static void RefuseHold(Verdict? hold, string what)
    {
        if (hold is not null)
        {
            throw new CommunityException(ErrorCodes.BlockedContent, $"This {what} needs a moderator's review ({hold.Reason}); it was not posted.");
        }
    }

    private async Task<ForumSettings> CurrentSettings()
    {
        var now = clock.GetUtcNow();
        if (now >= _settingsCheckedUntil)
        {
            _settings = await Directory.GetSettings();
            _settingsCheckedUntil = now + SettingsRefresh;
        }

        return _settings;
    }

    /// <summary>The mentioned ids that are members of this community (others stay plain text), never the author.</summary>
    private async Task<IReadOnlyList<string>> ResolveMentions(string body, string authorId)
    {
        var candidates = Mentions.Find(body, ThreadRules.MaxMentionsNotified).Where(id => id != authorId).ToList();
        var members = await Task.WhenAll(candidates.Select(id => GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(_key.CommunityId, id)).Get()));
        return [.. candidates.Where((_, i) => members[i] is not null)];
    }

    private static Dictionary<string, int> Counts(Dictionary<string, HashSet<string>> reactors) =>
        reactors.Where(r => r.Value.Count > 0).ToDictionary(r => r.Key, r => r.Value.Count, StringComparer.Ordinal);

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

    /// <summary>After a post is stored: points for its author, then mentions, then followers (who were not mentioned).</summary>
    private async Task AfterPost(ThreadPost post, string action, string source, IReadOnlyList<string>? followers = null)
    {
        await Award(new ActivityEvent(source, _key.CommunityId, post.AuthorId, post.AuthorName, action, post.CreatedAt, null, ThreadId: _key.ThreadId));
        await NotifyMentioned(post, post.Mentions);
        if (followers is not null)
        {
            var title = S.Summary?.Title ?? "";
            await NotifyAll([.. followers.Where(u => u != post.AuthorId && !post.Mentions.Contains(u, StringComparer.Ordinal))],
                NotificationKinds.Reply, $"{post.AuthorName} replied in “{title}”: {PostRenderer.Excerpt(post.Markdown, 120)}", $"post:{post.PostId}");
        }
    }

    private Task NotifyMentioned(ThreadPost post, IReadOnlyList<string> mentioned) =>
        NotifyAll(mentioned, NotificationKinds.Mention, $"{post.AuthorName} mentioned you in “{S.Summary?.Title}”: {PostRenderer.Excerpt(post.Markdown, 120)}", $"mention:{post.PostId}");

    private async Task NotifyAll(IReadOnlyList<string> users, string kind, string text, string source)
    {
        // Bounded parallelism: a thread with thousands of followers must not flood the cluster with one burst.
        foreach (var chunk in users.Chunk(64))
        {
            await Task.WhenAll(chunk.Select(u => Notify(u, kind, text, source)));
        }
    }

    private async Task Notify(string userId, string kind, string text, string source)
    {
        try
        {
            await GrainFactory.GetGrain<INotificationInboxGrain>(userId).Post(new NotificationDraft(_key.CommunityId, kind, text, source));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogNotifyFailed(logger, ex, _key.ToString(), userId);
        }
    }

    /// <summary>A response time for the KPIs, in the bucket of the day it was measured, tagged with the asker's profile.</summary>
    private async Task MeasureResponse(string kind, DateTimeOffset at)
    {
        try
        {
            var summary = S.Summary!;
            var asker = await GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(_key.CommunityId, summary.AuthorId)).Get();
            var day = DateOnly.FromDateTime(at.UtcDateTime);
            await GrainFactory.GetGrain<IKpiWeekGrain>($"{_key.CommunityId}/{KpiMath.Week(day)}").Sample(
                new KpiSample($"{kind}:{_key.ThreadId}", kind, day, (at - summary.CreatedAt).TotalSeconds, KpiMath.Tags(asker?.Profile)));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPointsFailed(logger, ex, _key.ToString(), kind);
        }
    }

    private async Task Award(ActivityEvent activity)
    {
        try
        {
            await GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(_key.CommunityId, activity.UserId)).Record([activity]);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPointsFailed(logger, ex, _key.ToString(), activity.SourceId);
        }
    }

    private async Task TakeBack(string userId, IReadOnlyList<string> sources)
    {
        foreach (var source in sources)
        {
            try
            {
                await GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(_key.CommunityId, userId)).TakeBack(source);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogPointsFailed(logger, ex, _key.ToString(), source);
            }
        }
    }

    private string PointsSourceOfThread() => $"thread:{_key.ThreadId}";

    private static string PointsSourceOf(ThreadPost post) => $"post:{post.PostId}";

    private static string ReactionSource(ThreadPost post, string reactor, string emoji) => $"reaction:{post.PostId}:{reactor}:{emoji}";

    private static string AcceptedSource(ThreadPost post) => $"accepted:{post.PostId}";

    private static string StatusName(IdeaStatus status) => status switch
    {
        IdeaStatus.UnderReview => "under review",
        IdeaStatus.Planned => "planned",
        IdeaStatus.Shipped => "shipped",
        IdeaStatus.Declined => "declined",
        _ => "open",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing on thread {Thread} failed; viewers will catch up from storage")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string thread);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notifying {User} about thread {Thread} failed")]
    private static partial void LogNotifyFailed(ILogger logger, Exception ex, string thread, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Revoking attachment {Attachment} of a removed post in thread {Thread} failed; its link lives until it expires")]
    private static partial void LogRevokeFailed(ILogger logger, Exception ex, string thread, string attachment);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Points for {Source} in thread {Thread} failed")]
    private static partial void LogPointsFailed(ILogger logger, Exception ex, string thread, string source);
}
