using CommunityScale.Gateway.Api;

namespace CommunityScale.Gateway.Tests;

[Trait("Area", "Cluster")]
public sealed class ClusterFailuresTests
{
    /// <summary>
    /// Seen in a chaos run (issue 28): while a killed silo's grains were being placed again, Orleans failed a send with
    /// an OperationCanceledException of its own, and the client got SignalR's codeless "unexpected error" instead of
    /// <c>unavailable</c>, the code that tells it to retry.
    /// </summary>
    [Fact]
    public void A_call_Orleans_gives_up_on_is_unavailable_but_a_caller_cancelling_is_not()
    {
        Assert.True(ClusterFailures.IsUnavailable(new OperationCanceledException("Message expired before placement could complete for grain channel/c/live.")));
        Assert.True(ClusterFailures.IsUnavailable(new TimeoutException()));

        using var aborted = new CancellationTokenSource();
        aborted.Cancel();
        Assert.False(ClusterFailures.IsUnavailable(new OperationCanceledException(aborted.Token)));
        Assert.False(ClusterFailures.IsUnavailable(new InvalidOperationException()));
    }
}
