using CommunityScale.Communities;
using CommunityScale.Gamification;
using CommunityScale.Notifications;
using CommunityScale.Posting;
using CommunityScale.Privacy;
using CommunityScale.Streams;

namespace CommunityScale.Threads;

/// <summary>
/// What one thread holds about a member, for the export (<see cref="Collect"/>) and the erasure (<see cref="Erase"/>).
/// Kept apart from <see cref="ThreadGrain"/>: it reads every page, which no post or reply ever does.
/// </summary>
public sealed class ThreadMemberData(IGrainFactory grains, ThreadKey key, ThreadPosts posts, Func<ThreadState> state,
    Func<Task> write, Func<ThreadStreamEvent, Task> publish)
{
    private ThreadState S => state();

    private IForumSearchGrain Search => grains.GetGrain<IForumSearchGrain>(key.CommunityId);

    public async Task<MemberTrace> Collect(string userId)
    {
        if (S.Summary is not { } summary)
        {
            return MemberTrace.Empty;
        }

        var authored = new List<ThreadPost>();
        var reactions = new List<ReactionGiven>();
        foreach (var stored in await posts.All(S.LastSeq))
        {
            if (stored.Post.AuthorId == userId)
            {
                authored.Add(stored.Post);
            }

            reactions.AddRange(stored.Reactors.Where(r => r.Value.Contains(userId)).Select(r => new ReactionGiven($"thread:{key.ThreadId}", stored.Post.Seq, r.Key)));
        }

        return MemberTrace.Empty with
        {
            Posts = authored,
            Reactions = reactions,
            FollowedThreads = S.Followers.Contains(userId) ? [key.ThreadId] : [],
            IdeaVotes = S.Voters.Contains(userId) ? [key.ThreadId] : [],
            ThreadsOpened = summary.AuthorId == userId ? [new ThreadOpened(key.ThreadId, summary.Title, summary.CreatedAt, summary.Tags)] : [],
        };
    }

    /// <summary>
    /// The member's posts become author-less tombstones (seq kept) without revisions or reactors; in others' posts they
    /// leave the reactor lists (their reactions count on, as the pseudonym), the mentions and the revision authors. A
    /// thread they opened keeps its replies under a "[removed]" title. Notices that carried their words (replies,
    /// mentions) leave the recipients' inboxes, and the search index forgets their text. What refers to the member
    /// elsewhere goes first, while the posts still say what it was: a failed step is retried with everything known again.
    /// </summary>
    public async Task Erase(string userId, string pseudonym)
    {
        if (S.Summary is null)
        {
            return;
        }

        var opener = S.Summary.AuthorId == userId;
        var names = new Pseudonym(userId, "", pseudonym);
        var recipients = new HashSet<string>(S.Followers.Concat(S.Voters), StringComparer.Ordinal);
        var sources = new List<string>();
        var erasedPosts = new List<ThreadPost>();
        var reactedTo = new HashSet<string>(StringComparer.Ordinal);
        var reindexed = new List<ThreadPost>();
        var writes = new List<StoredPost>();
        foreach (var stored in await posts.All(S.LastSeq))
        {
            var post = stored.Post;
            if (post.AuthorId == userId || opener)
            {
                recipients.UnionWith(post.Mentions);
                sources.AddRange([SourceIds.Post(post.PostId), SourceIds.Mention(post.PostId)]);
            }

            if (post.AuthorId == userId)
            {
                erasedPosts.Add(post);
                writes.Add(new StoredPost(Tombstone(post), [], []));
                continue;
            }

            if (names.Scrub(post.Markdown) != post.Markdown)
            {
                post = post with { Markdown = names.Scrub(post.Markdown), Html = names.Scrub(post.Html) };
                reindexed.Add(post);
            }

            var reactors = stored.Reactors.ToDictionary(
                r => r.Key, r => r.Value.Contains(userId) ? [.. r.Value.Where(u => u != userId), pseudonym] : r.Value, StringComparer.Ordinal);
            var changed = new StoredPost(
                post.Mentions.Contains(userId, StringComparer.Ordinal) ? post with { Mentions = [.. post.Mentions.Where(u => u != userId)] } : post,
                reactors,
                [.. stored.History.Select(h => h.By == userId ? h with { By = pseudonym } : h)]);
            var reacted = stored.Reactors.Values.Any(r => r.Contains(userId));
            if (reacted)
            {
                reactedTo.Add(post.AuthorId);
            }

            if (changed.Post != stored.Post || reacted || stored.History.Exists(h => h.By == userId))
            {
                writes.Add(changed);
            }
        }

        if (opener)
        {
            sources.Add(SourceIds.IdeaStatusPrefix(key.ThreadId));
        }

        foreach (var attachment in erasedPosts.SelectMany(p => p.Attachments ?? []))
        {
            await grains.Attachment(key.CommunityId, attachment.Id).Revoke();
        }

        foreach (var author in reactedTo.Where(a => a.Length > 0))
        {
            await grains.MemberPoints(key.CommunityId, author).ForgetReactor(userId, pseudonym);
        }

        recipients.Remove(userId);
        foreach (var recipient in recipients)
        {
            await grains.GetGrain<INotificationInboxGrain>(recipient).Forget(key.CommunityId, sources);
        }

        foreach (var post in erasedPosts)
        {
            await Search.RemovePost(post.PostId);
        }

        foreach (var changed in writes)
        {
            await posts.Put(changed);
        }

        S.Summary = (opener
            ? S.Summary with { AuthorId = "", AuthorName = Tombstones.Author, Title = Tombstones.Author, Excerpt = "", Tags = [] }
            : S.Summary with { Title = names.Scrub(S.Summary.Title), Excerpt = names.Scrub(S.Summary.Excerpt) }) with { Version = S.Summary.Version + 1 };
        S.Followers.Remove(userId);
        if (S.Voters.Remove(userId))
        {
            S.Voters.Add(pseudonym);
        }

        S.RecentClientPosts.RemoveAll(p => p.Key.StartsWith(userId + "/", StringComparison.Ordinal));
        await write();
        await grains.GetGrain<IThreadDirectoryGrain>(key.CommunityId).Upsert(S.Summary);
        foreach (var post in erasedPosts)
        {
            await publish(new PostRemoved(new PostRemovedNotice(key.CommunityId, key.ThreadId, post.Seq, post.PostId)));
        }

        if (opener)
        {
            // Every post's search document carries the title: all of them are indexed again under the new one.
            await Search.RemoveThread(key.ThreadId);
        }

        foreach (var post in opener ? (await posts.All(S.LastSeq)).Select(p => p.Post).Where(p => !p.Removed) : reindexed)
        {
            await Search.Index(ForumSearchGrain.ToDocument(S.Summary, post));
        }
    }

    private static ThreadPost Tombstone(ThreadPost post) => post with
    {
        AuthorId = "", AuthorName = Tombstones.Author, Markdown = "", Html = "", Removed = true, Mentions = [], MentionsEveryone = false, ClientPostId = "",
        Attachments = null, EditedAt = null, Revisions = 0, Reactions = new Dictionary<string, int>(),
    };
}
