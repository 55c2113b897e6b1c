using System.Globalization;
using CommunityScale.Communities;
using CommunityScale.Errors;

namespace CommunityScale.Threads;

/// <summary>
/// A thread's posts in their pages of <see cref="ThreadRules.PageSize"/> (<c>community/thread/page</c>): where a seq
/// lives, reading one post or all, and the shape of a new post. Reads never go past <c>lastSeq</c>, the last post the
/// thread stored: a page may hold a later one from a write that failed half-way.
/// </summary>
public sealed class ThreadPosts(IGrainFactory grains, ThreadKey key)
{
    public static long PageIndexOf(long seq) => (seq - 1) / ThreadRules.PageSize;

    public IThreadPageGrain PageOf(long seq) => Page(PageIndexOf(seq));

    public IThreadPageGrain Page(long pageIndex) =>
        grains.ThreadPage(key, pageIndex);

    public Task Put(StoredPost post) => PageOf(post.Post.Seq).Put(post);

    public async Task<StoredPost> Load(long seq, long lastSeq)
    {
        if (seq < 1 || seq > lastSeq)
        {
            throw CommunityException.NotFound($"Post {seq} of thread '{key.ThreadId}'");
        }

        return (await PageOf(seq).Read()).FirstOrDefault(p => p.Post.Seq == seq) ?? throw CommunityException.NotFound($"Post {seq} of thread '{key.ThreadId}'");
    }

    /// <summary>A post that was not removed; <c>not_found</c> otherwise.</summary>
    public async Task<StoredPost> LoadLive(long seq, long lastSeq)
    {
        var stored = await Load(seq, lastSeq);
        return stored.Post.Removed ? throw CommunityException.NotFound($"Post {seq} of thread '{key.ThreadId}' was removed; it") : stored;
    }

    public async Task<List<StoredPost>> All(long lastSeq)
    {
        var posts = new List<StoredPost>();
        for (var page = 0L; page <= PageIndexOf(Math.Max(1, lastSeq)); page++)
        {
            posts.AddRange((await Page(page).Read()).Where(p => p.Post.Seq <= lastSeq));
        }

        return posts;
    }

    /// <summary>Posts <paramref name="from"/> to <paramref name="to"/>, in seq order.</summary>
    public async Task<List<ThreadPost>> Range(long from, long to)
    {
        var posts = new List<ThreadPost>();
        for (var page = PageIndexOf(from); from <= to && page <= PageIndexOf(to); page++)
        {
            posts.AddRange((await Page(page).Read()).Select(p => p.Post).Where(p => p.Seq >= from && p.Seq <= to));
        }

        return posts;
    }

    public ThreadPost New(long seq, Actor author, string body, long? replyTo, IReadOnlyList<string> mentions, string clientPostId, DateTimeOffset now) =>
        new(key.CommunityId, key.ThreadId, seq, PostIdOf(seq), author.UserId, author.DisplayName, body, PostRenderer.ToHtml(body), now,
            EditedAt: null, Removed: false, ReplyToSeq: replyTo, Reactions: new Dictionary<string, int>(), Mentions: mentions, ClientPostId: clientPostId, Revisions: 0);

    public string PostIdOf(long seq) => $"{key.ThreadId}-{seq.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The seq a post id of this thread names; <c>invalid</c> for anyone else's.</summary>
    public long SeqOf(string postId)
    {
        var prefix = $"{key.ThreadId}-";
        return postId.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(postId.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq >= 1
            ? seq
            : throw CommunityException.Invalid($"Post '{(postId.Length > 80 ? postId[..80] : postId)}' is not a post of thread '{key.ThreadId}'.");
    }

    public static Dictionary<string, int> Counts(Dictionary<string, HashSet<string>> reactors) =>
        reactors.Where(r => r.Value.Count > 0).ToDictionary(r => r.Key, r => r.Value.Count, StringComparer.Ordinal);
}
