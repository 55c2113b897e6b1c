using Orleans.Concurrency;

namespace CommunityScale.Threads;

/// <summary>
/// What the search index holds of a post: plain text, the thread's title for display (indexed on the opening post), and
/// its category, which decides who finds it (null only in documents handed over before categories were recorded).
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.SearchDocument")]
public sealed record SearchDocument(
    [property: Id(0)] string ThreadId,
    [property: Id(1)] long Seq,
    [property: Id(2)] string PostId,
    [property: Id(3)] string Title,
    [property: Id(4)] string Text,
    [property: Id(5)] string? CategoryId = null);

/// <summary>One post that matched: where it is, the thread's title, a snippet around the first match, and the score.</summary>
[GenerateSerializer, Immutable, Alias("cs.SearchHit")]
public sealed record SearchHit(
    [property: Id(0)] string ThreadId,
    [property: Id(1)] long Seq,
    [property: Id(2)] string PostId,
    [property: Id(3)] string Title,
    [property: Id(4)] string Snippet,
    [property: Id(5)] float Score);

[GenerateSerializer, Immutable, Alias("cs.SearchResults")]
public sealed record SearchResults([property: Id(0)] string Query, [property: Id(1)] int Total, [property: Id(2)] IReadOnlyList<SearchHit> Hits);

/// <summary>
/// A community's full-text index of its forum (key: community id): Lucene.NET, in memory, rebuilt from the threads when it
/// activates. Threads hand every change over from their outboxes, after the post is answered, so a post never waits for the index.
/// </summary>
[Alias("cs.IForumSearchGrain")]
public interface IForumSearchGrain : IGrainWithStringKey
{
    [Alias("Index")]
    Task Index(SearchDocument document);

    [Alias("RemovePost")]
    Task RemovePost(string postId);

    [Alias("RemoveThread")]
    Task RemoveThread(string threadId);

    /// <summary>Every matching post, whoever may view it: for trusted callers, never a reader.</summary>
    [Alias("Search")]
    Task<SearchResults> Search(string query, int limit);

    /// <summary>
    /// The search as a user may see it: hits, snippets and the total come only from categories they may view
    /// (<c>not_found</c>: a private community they are not a member of).
    /// </summary>
    [Alias("SearchFor")]
    Task<SearchResults> SearchFor(string query, int limit, string userId);
}
