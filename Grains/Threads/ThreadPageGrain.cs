using CommunityScale.Scheduling;
using CommunityScale.Streams;

namespace CommunityScale.Threads;

[GenerateSerializer, Alias("cs.ThreadPageState")]
public sealed class ThreadPageState
{
    /// <summary>In seq order.</summary>
    [Id(0)] public List<StoredPost> Posts { get; set; } = [];
}

/// <summary>A page of a thread's posts. Only the thread grain writes it, one call at a time, so it needs no rules of its own.</summary>
public sealed class ThreadPageGrain(
    [PersistentState("posts", StorageNames.Main)] IPersistentState<ThreadPageState> state) : Grain, IThreadPageGrain
{
    private readonly StateWriter<ThreadPageState> _store = new(state);

    public Task<IReadOnlyList<StoredPost>> Read() => Task.FromResult<IReadOnlyList<StoredPost>>(_store.State.Posts);

    public async Task Put(StoredPost post)
    {
        var posts = _store.State.Posts;
        var index = posts.FindIndex(p => p.Post.Seq == post.Post.Seq);
        if (index >= 0)
        {
            posts[index] = post;
        }
        else
        {
            posts.Add(post);
            posts.Sort((a, b) => a.Post.Seq.CompareTo(b.Post.Seq));
        }

        await _store.Write();
    }
}
