using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Silo.Storage;

/// <summary>Grain state in Azure Table Storage (or Azurite), bound from <c>Storage:AzureTable</c>.</summary>
public sealed class AzureTableStorageOptions
{
    public const string Section = "Storage:AzureTable";

    /// <summary>An Azure Storage connection string; <c>UseDevelopmentStorage=true</c> means Azurite on its default ports.</summary>
    public string ConnectionString { get; set; } = "";

    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "Storage:AzureTable:TableName must be 3-63 letters and digits, starting with a letter.")]
    public string TableName { get; set; } = "grainstate";

    /// <summary>
    /// The largest serialized state the provider accepts. All of a state is written in one entity-group transaction,
    /// which Azure caps at 4 MiB of (base64-inflated) payload, so the default stays well inside it.
    /// </summary>
    [Range(1, 3_000_000)]
    public int MaxStateBytes { get; set; } = 2_500_000;

    /// <summary>
    /// How many partitions a new table spreads grain states over (<see cref="StateLayout"/>): states of one partition are
    /// written together. An Azure Table partition serves ≈ 2,000 rows a second, so a cluster wants about its peak state
    /// writes a second ÷ 1,500; one machine, 1. Fixed when the table is first used: a table keeps the count it was
    /// created with (changing it never loses a state), and a table written before shared partitions keeps one per grain.
    /// </summary>
    [Range(1, 1024)]
    public int StatePartitions { get; set; } = 1;

    /// <summary>
    /// How long a write nobody waits for (a write-behind flush, a gathered write) waits for other grains' writes to share
    /// its storage operation, while fewer than <see cref="BehindWriteGather"/> rows are queued; a write someone waits for
    /// goes at once and takes them along. 0 (the default): no wait, and writes share an operation only when they queue
    /// behind one in flight. 50 ms made 2.6–6.4 writes share a request in many-channels, but a hot channel's acks paid
    /// for it (durable-sends: 1,914–2,044 acked/s and p99 43–49 ms, against 2,161–2,183 and 37–38 ms with 0), so it is for
    /// a deployment of many quiet channels that pays per request.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan BehindWriteDelay { get; set; } = TimeSpan.Zero;

    /// <summary>The rows queued in a partition that end the wait of <see cref="BehindWriteDelay"/>.</summary>
    [Range(1, 100)]
    public int BehindWriteGather { get; set; } = 20;

    /// <summary>How long one storage request may take before the write fails (sends then fail fast instead of hanging).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
