using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Posting;
using CommunityScale.Streams;

namespace CommunityScale.Threads;

/// <summary>
/// What members and managers say about a thread's posts rather than posting: reactions, the accepted answer of a
/// question, votes on an idea and its status. Each is stored with its follow-ups (points, notices, webhook, KPI sample)
/// through the thread's <see cref="ThreadContext"/>.
/// </summary>
public sealed class ThreadFeedback(ThreadContext thread, ReactionPolicy reactions)
{
    private const int MaxStatusCommentLength = 1_000;

    public async Task<PostReactions> React(long seq, string emoji, bool on, Actor caller)
    {
        thread.RequireThread();
        var member = ForumAccess.Joined(await thread.Caller(caller.UserId, Access.Permissions.View | Access.Permissions.React, "react"));
        var now = thread.Now;
        await reactions.RequireAllowed(emoji, now);
        var stored = await thread.LoadLive(seq);
        PostingRules.RequireMayPost(member, now);
        var reactors = stored.Reactors.GetValueOrDefault(emoji);
        var has = reactors?.Contains(caller.UserId) == true;
        if (has != on)
        {
            reactions.RequireRate(caller.UserId, now);
            if (on)
            {
                (stored.Reactors[emoji] = reactors ?? new HashSet<string>(StringComparer.Ordinal)).Add(caller.UserId);
            }
            else if (reactors!.Remove(caller.UserId) && reactors.Count == 0)
            {
                stored.Reactors.Remove(emoji);
            }

            var counts = ThreadPosts.Counts(stored.Reactors);
            await thread.Posts.Put(stored with { Post = stored.Post with { Reactions = counts } });
            thread.ChangeSummary(s => s with { Reactions = Math.Max(0, s.Reactions + (on ? 1 : -1)) });
            if (stored.Post.AuthorId != caller.UserId)
            {
                var source = SourceIds.Reaction(stored.Post.PostId, caller.UserId, emoji);
                thread.Outbox.Add(on
                    ? new AwardPoints([new ActivityEvent(source, thread.Key.CommunityId, stored.Post.AuthorId, stored.Post.AuthorName, ActionKinds.ReactionReceived, now, null, caller.UserId, thread.Key.ThreadId)])
                    : new TakeBackPoints(thread.Key.CommunityId, stored.Post.AuthorId, [source]));
            }

            await thread.Store();
            await thread.Publish(new PostReactionsChanged(new PostReactions(thread.Key.CommunityId, thread.Key.ThreadId, seq, counts, null)));
        }

        return new PostReactions(thread.Key.CommunityId, thread.Key.ThreadId, seq, ThreadPosts.Counts(stored.Reactors),
            [.. stored.Reactors.Where(r => r.Value.Contains(caller.UserId)).Select(r => r.Key).Order(StringComparer.Ordinal)]);
    }

    public async Task<ThreadSummary> Accept(string? postId, Actor caller)
    {
        var summary = thread.RequireThread();
        // View first: what kind a hidden thread is must not show in the refusal.
        await thread.Caller(caller.UserId, Access.Permissions.View, "accept answers");
        if (summary.Kind != ThreadKind.Question)
        {
            throw CommunityException.Invalid("Only a question has an accepted answer.");
        }

        if (summary.AuthorId != caller.UserId)
        {
            await ModerationRoles.RequireModerator(thread.Grains, thread.Key.CommunityId, caller, Access.Permissions.ManageMessages);
        }

        long? seq = postId is null ? null : thread.Posts.SeqOf(postId);
        if (seq == 1)
        {
            throw CommunityException.Invalid("The question itself cannot be its answer.");
        }

        var answer = seq is { } s ? await thread.LoadLive(s) : null;
        if (summary.AcceptedSeq == seq)
        {
            return summary;
        }

        var previous = summary.AcceptedSeq is { } p ? await thread.Load(p) : null;
        var now = thread.Now;
        thread.ChangeSummary(t => t with { AcceptedSeq = seq });
        if (answer is not null && !thread.S.AnswerMeasured)
        {
            thread.S.AnswerMeasured = true;
            thread.Outbox.Add(new RecordResponseTime(thread.Key.CommunityId, thread.Key.ThreadId, summary.AuthorId, KpiSampleKinds.AcceptedAnswer, summary.CreatedAt, now));
        }

        if (previous is not null)
        {
            thread.Outbox.Add(new TakeBackPoints(thread.Key.CommunityId, previous.Post.AuthorId, [SourceIds.AcceptedAnswer(previous.Post.PostId)]));
        }

        if (answer is not null)
        {
            thread.Outbox.Add(RaiseWebhook.Of(thread.Key.CommunityId, WebhookEventKinds.AnswerAccepted, now, new AcceptedAnswer(thread.S.Summary!, answer.Post, caller.UserId), categoryId: summary.CategoryId));
        }

        if (answer is not null && answer.Post.AuthorId != summary.AuthorId)
        {
            var source = SourceIds.AcceptedAnswer(answer.Post.PostId);
            thread.Outbox.Add(new AwardPoints([new ActivityEvent(source, thread.Key.CommunityId, answer.Post.AuthorId, answer.Post.AuthorName, ActionKinds.AnswerAccepted, now, null, caller.UserId, thread.Key.ThreadId)]));
            thread.Outbox.AddRange(SendNotices.For([answer.Post.AuthorId], new NotificationDraft(thread.Key.CommunityId, NotificationKinds.AnswerAccepted, $"Your answer was accepted in “{summary.Title}”.", source), thread.Place));
        }

        await thread.Store();
        await thread.Publish(new ThreadChanged(thread.S.Summary!));
        return thread.S.Summary!;
    }

    public async Task<ThreadSummary> Vote(bool up, Actor caller)
    {
        var summary = thread.RequireThread();
        // View first: what kind a hidden thread is must not show in the refusal. Voting is not posting: a muted member
        // may vote, a banned one may not (as for polls and Q&A).
        PostingRules.RequireNotBanned(ForumAccess.Joined(await thread.Caller(caller.UserId, Access.Permissions.View, "vote")));
        if (summary.Kind != ThreadKind.Idea)
        {
            throw CommunityException.Invalid("Only ideas take votes.");
        }
        if (up ? thread.S.Voters.Add(caller.UserId) : thread.S.Voters.Remove(caller.UserId))
        {
            thread.ChangeSummary(s => s with { Votes = thread.S.Voters.Count });
            await thread.Store();
            await thread.Publish(new ThreadChanged(thread.S.Summary!));
        }

        return thread.S.Summary!;
    }

    public async Task<ThreadSummary> SetStatus(IdeaStatus status, string? comment, Actor caller)
    {
        var summary = thread.RequireThread();
        // View first, as for votes: a hidden thread is not_found before its kind or the caller's rank is judged.
        await thread.Caller(caller.UserId, Access.Permissions.View, "set an idea's status");
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

        await ModerationRoles.RequireAdmin(thread.Grains, thread.Key.CommunityId, caller, "Only community managers (admins and the owner) set an idea's status.");
        if (summary.Status == status && summary.StatusComment == text)
        {
            return summary;
        }

        thread.ChangeSummary(s => s with { Status = status, StatusComment = text.Length == 0 ? null : text, LastActivityAt = thread.Now });
        var message = $"“{summary.Title}” is now {ThreadRules.StatusName(status)}{(text.Length > 0 ? $": {text}" : ".")}";
        thread.Outbox.AddRange(SendNotices.For(thread.S.Voters.Append(summary.AuthorId).Where(u => u != caller.UserId),
            new NotificationDraft(thread.Key.CommunityId, NotificationKinds.IdeaStatus, message, SourceIds.IdeaStatus(thread.Key.ThreadId, thread.S.Summary!.Version)), thread.Place));
        await thread.Store();
        await thread.Publish(new ThreadChanged(thread.S.Summary!));
        return thread.S.Summary!;
    }
}
