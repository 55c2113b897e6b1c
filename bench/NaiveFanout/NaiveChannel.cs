using Orleans.Concurrency;

namespace CommunityScale.Bench.Naive;

[GenerateSerializer, Immutable, Alias("naive.Message")]
public sealed record NaiveMessage(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string ChannelId,
    [property: Id(2)] long Seq,
    [property: Id(3)] string MessageId,
    [property: Id(4)] string AuthorId,
    [property: Id(5)] string Text,
    [property: Id(6)] DateTimeOffset SentAt,
    [property: Id(7)] string ClientMessageId);

[GenerateSerializer, Immutable, Alias("naive.Ack")]
public sealed record NaiveAck([property: Id(0)] long Seq, [property: Id(1)] string MessageId);

/// <summary>One WebSocket connection, as a grain observer the channel grain calls.</summary>
[Alias("naive.IConnectionObserver")]
public interface IConnectionObserver : IGrainObserver
{
    /// <summary>One-way: the grain does not wait for the gateway, the kindest form of this design.</summary>
    [OneWay, Alias("OnMessage")]
    Task OnMessage(NaiveMessage message);
}

/// <summary>A channel (key "community/channel") that knows its connections and calls each of them per message.</summary>
[Alias("naive.INaiveChannelGrain")]
public interface INaiveChannelGrain : IGrainWithStringKey
{
    [Alias("Join")]
    Task Join(IConnectionObserver connection);

    [Alias("Leave")]
    Task Leave(IConnectionObserver connection);

    [Alias("Send")]
    Task<NaiveAck> Send(string authorId, string text, string clientMessageId);
}

/// <summary>
/// The fan-out design ARCHITECTURE.md rejects, built only as a baseline for ./scripts/bench: the grain loops over every
/// connection of the channel and makes one grain call to each per message, O(fans) calls where ours publishes one
/// stream event per gateway. It keeps no history and writes nothing to storage, which favours it.
/// </summary>
public sealed class NaiveChannelGrain : Grain, INaiveChannelGrain
{
    private readonly HashSet<IConnectionObserver> _connections = [];
    private long _seq;

    public Task Join(IConnectionObserver connection)
    {
        _connections.Add(connection);
        return Task.CompletedTask;
    }

    public Task Leave(IConnectionObserver connection)
    {
        _connections.Remove(connection);
        return Task.CompletedTask;
    }

    public Task<NaiveAck> Send(string authorId, string text, string clientMessageId)
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var message = new NaiveMessage(key[..slash], key[(slash + 1)..], ++_seq, Guid.NewGuid().ToString("n"), authorId, text, DateTimeOffset.UtcNow, clientMessageId);
        foreach (var connection in _connections)
        {
            _ = connection.OnMessage(message);
        }

        return Task.FromResult(new NaiveAck(message.Seq, message.MessageId));
    }
}
