using Orleans.Concurrency;

namespace CommunityScale;

[StatelessWorker]
public sealed class PingGrain : Grain, IPingGrain
{
    public Task<bool> Ping() => Task.FromResult(true);
}
