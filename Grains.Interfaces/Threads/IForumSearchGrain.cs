using Orleans.Concurrency;

namespace CommunityScale.Threads;

/// <summary>What the search index holds of a post: plain text, and the thread's title for display (indexed on the opening post).</summary>
[GenerateSerializer, Immutable, Alias("cs.SearchDocument")]
public sealed record SearchDocument(
    [property: Id(0)] string ThreadId,
    [property: Id(1)] long Seq,
    [property: Id(2)] string PostId,
    [property: Id(3)] string Title,
    [property: Id(4)] string Text);

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

    [Alias("Search")]
    Task<SearchResults> Search(string query, int limit);
}
