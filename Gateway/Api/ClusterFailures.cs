using CommunityScale.Errors;

namespace CommunityScale.Gateway.Api;

/// <summary>Which failures of a grain call mean "retry later" (<c>unavailable</c>) rather than a bug: one list for REST and hub.</summary>
public static class ClusterFailures
{
    public static bool IsUnavailable(Exception ex) => ex is TimeoutException or OrleansException or StorageUnavailableException;
}
