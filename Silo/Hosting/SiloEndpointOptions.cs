namespace CommunityScale.Silo.Hosting;

/// <summary>Where this silo listens and which cluster it belongs to, bound from the <c>Orleans</c> section.</summary>
public sealed class SiloEndpointOptions
{
    public const string Section = "Orleans";

    public string ClusterId { get; set; } = "communityscale";

    public string ServiceId { get; set; } = "communityscale";

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients use to reach this one (with Redis clustering; localhost clustering is always loopback).</summary>
    public string AdvertisedIPAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Running in Kubernetes: Microsoft.Orleans.Hosting.Kubernetes takes the silo's address and cluster identity from the
    /// pod (POD_IP, POD_NAME, POD_NAMESPACE, ORLEANS_CLUSTER_ID, ORLEANS_SERVICE_ID) and removes pods of dead silos.
    /// </summary>
    public bool Kubernetes { get; set; }

    /// <summary>Listen on every interface (in a container) rather than only on the advertised address.</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>How often memory-stream pulling agents look for new events: the floor of send→relay latency (Orleans' default is 100 ms).</summary>
    public TimeSpan StreamPollingPeriod { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Memory-stream queues in the cluster, spread over the silos (each silo's agents pull the queues it owns). Each is
    /// polled every <see cref="StreamPollingPeriod"/> even when idle: Orleans' default of 8 cost a 2-core silo ~10% of a
    /// core doing nothing, and each queue's polls cost ~30 ms of CPU a second (a silo with 1,000 channels and 10,000
    /// fans idled at 129 ms/s with 2 queues, 69 ms/s with polls five times rarer). A queue serves many channels, so one
    /// per silo: one for the single silo of <c>./scripts/run</c>; a cluster sets at least its silo count (all silos the same).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1024)]
    public int StreamQueueCount { get; set; } = 1;

    /// <summary>
    /// How long a relayed event stays in its queue's cache. Orleans keeps events up to 30 minutes for subscribers that
    /// rewind, and none of ours does (a relay that misses events reads them from history), so the default made every
    /// silo's memory grow for the first half hour (+20 % in a 30-minute soak); an event is purged once it is this old
    /// and this much older than the newest.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StreamCacheAge { get; set; } = TimeSpan.FromMinutes(1);
}
