using CommunityScale.Errors;

namespace CommunityScale.Gateway.Api;

/// <summary>Which failures of a grain call mean "retry later" (<c>unavailable</c>) rather than a bug: one list for REST and hub.</summary>
public static class ClusterFailures
{
    /// <remarks>
    /// Orleans also gives up on a call with an <see cref="OperationCanceledException"/> that nobody asked for ("Message
    /// expired before placement could complete" while the cluster is still deciding where a grain of a dead silo lives):
    /// its token is not cancelled, unlike the caller's own cancellation (a closed request), which stays what it is.
    /// </remarks>
    public static bool IsUnavailable(Exception ex) =>
        ex is TimeoutException or OrleansException or StorageUnavailableException or OperationCanceledException { CancellationToken.IsCancellationRequested: false };
}
