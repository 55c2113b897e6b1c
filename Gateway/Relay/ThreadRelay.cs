using CommunityScale.Gateway.Hosting;
using CommunityScale.Gateway.Hubs;
using CommunityScale.Streams;
using CommunityScale.Threads;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace CommunityScale.Gateway.Relay;

/// <summary>
/// Threads' fan-out: the same relay as channels (<see cref="SequencedRelay{TKey, TEvent, TItem}"/>): new posts in seq
/// order with gap fill from the thread's pages; edits, removals, reactions and thread changes as they come.
/// </summary>
public sealed class ThreadRelay(
    IClusterClient cluster,
    IHubContext<CommunityHub, ICommunityClient> hub,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    ILogger<ThreadRelay> logger) : SequencedRelay<ThreadKey, ThreadStreamEvent, ThreadPost>(hub, options, clock, logger)
{
    // Prefixed: a thread's group must never be a channel's group of the same name.
    protected override string GroupOf(ThreadKey key) => $"thread:{key}";

    protected override IAsyncStream<ThreadStreamEvent> StreamOf(ThreadKey key) =>
        cluster.GetStreamProvider(StreamNames.Provider).GetStream<ThreadStreamEvent>(StreamNames.ForThread(key));

    protected override Task<long> LastSeqOf(ThreadKey key) => Grain(key).GetLastSeq();

    protected override async Task<IReadOnlyList<ThreadPost>> HistoryOf(ThreadKey key, long afterSeq, int limit) =>
        (await Grain(key).GetPosts(afterSeq, limit)).Posts;

    protected override long SeqOf(ThreadPost item) => item.Seq;

    protected override Func<ICommunityClient, Task> SendOf(ThreadPost item) => c => c.ThreadPost(item);

    protected override Routed Route(ThreadStreamEvent streamEvent) => streamEvent switch
    {
        PostPublished published => new(published.Post, null),
        PostEdited edited => new(null, c => c.PostEdited(edited.Post)),
        PostRemoved removed => new(null, c => c.PostRemoved(removed.Notice)),
        PostReactionsChanged reactions => new(null, c => c.PostReactions(reactions.Reactions)),
        ThreadChanged changed => new(null, c => c.ThreadUpdated(changed.Thread)),
        _ => default,
    };

    private IThreadGrain Grain(ThreadKey key) => cluster.Thread(key);
}
