using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace CommunityScale.Threads;

/// <summary>
/// Keeps a community's <see cref="ForumIndex"/>. It stores nothing itself: the threads are the truth, so on activation
/// (first search, or after its silo went away) it reads every listed thread's posts back into a fresh index. Updates
/// arrive one-way from the threads; one that arrives during the rebuild is applied after it (upserts by post id, so
/// twice is harmless).
/// </summary>
public sealed partial class ForumSearchGrain(Access.AccessRulesCache accessRules, ILogger<ForumSearchGrain> logger) : Grain, IForumSearchGrain, IDisposable
{
    private readonly ForumIndex _index = new();
    private ForumAccess? _access;

    private string CommunityId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var threads = await GrainFactory.GetGrain<IThreadDirectoryGrain>(CommunityId).GetThreadIds();
        var posts = 0;
        // Sixteen threads at a time: a large forum must not flood the cluster while its index comes back.
        foreach (var chunk in threads.Chunk(16))
        {
            foreach (var documents in await Task.WhenAll(chunk.Select(ReadThread)))
            {
                foreach (var document in documents)
                {
                    _index.Upsert(document);
                }

                posts += documents.Count;
            }
        }

        LogRebuilt(logger, CommunityId, threads.Count, posts, watch.ElapsedMilliseconds);
    }

    private async Task<List<SearchDocument>> ReadThread(string threadId)
    {
        var thread = GrainFactory.Thread(new ThreadKey(CommunityId, threadId));
        var documents = new List<SearchDocument>();
        var after = 0L;
        ThreadPostsPage page;
        do
        {
            page = await thread.GetPosts(after, Errors.InputRules.MaxPageLimit);
            documents.AddRange(page.Posts.Where(p => !p.Removed).Select(p => ToDocument(page.Thread, p)));
            after = page.Posts.Count > 0 ? page.Posts[^1].Seq : page.LastSeq;
        }
        while (page.HasMore && page.Posts.Count > 0);

        return documents;
    }

    public void Dispose() => _index.Dispose();

    public Task Index(SearchDocument document)
    {
        _index.Upsert(document);
        return Task.CompletedTask;
    }

    public Task RemovePost(string postId)
    {
        _index.RemovePost(postId);
        return Task.CompletedTask;
    }

    public Task RemoveThread(string threadId)
    {
        _index.RemoveThread(threadId);
        return Task.CompletedTask;
    }

    public Task<SearchResults> Search(string query, int limit) => Task.FromResult(_index.Search(query, limit));

    public async Task<SearchResults> SearchFor(string query, int limit, string userId)
    {
        var viewable = await (_access ??= new ForumAccess(accessRules, GrainFactory, CommunityId)).Viewable(userId);
        return _index.Search(query, limit, viewable);
    }

    public static SearchDocument ToDocument(ThreadSummary thread, ThreadPost post) =>
        new(thread.ThreadId, post.Seq, post.PostId, thread.Title, PostRenderer.PlainText(post.Markdown), thread.CategoryId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Search index of {Community} rebuilt: {Threads} threads, {Posts} posts in {Ms} ms")]
    private static partial void LogRebuilt(ILogger logger, string community, int threads, int posts, long ms);
}
