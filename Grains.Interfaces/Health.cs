namespace CommunityScale;

/// <summary>A cheap call that proves a gateway can reach the cluster.</summary>
[Alias("cs.IPingGrain")]
public interface IPingGrain : IGrainWithIntegerKey
{
    [Alias("Ping")]
    Task<bool> Ping();
}
