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
    /// writes a second ÷ 1,500; one machine, 1 (64 was tried for Azurite, which scans a partition to find a row; under
    /// load one partition's lane carries 2.1–2.4 writes a request against 1.0 at 64, and the full bench's many-channels
    /// did not gain: docs/performance.md). Fixed when the table is first used: a table keeps the count it was
    /// created with (changing it never loses a state), and a table written before shared partitions keeps one per grain.
    /// </summary>
    [Range(1, 1024)]
    public int StatePartitions { get; set; } = 1;

    /// <summary>
    /// How long a write nobody waits for (a write-behind flush, a gathered write) waits for other grains' writes to share
    /// its storage operation, while fewer than <see cref="BehindWriteGather"/> rows are queued; a write someone waits for
    /// goes at once, without them until they have waited this long. 0 (the default): no wait. 50 ms, measured in
    /// many-channels at 200 msg/s: state requests 0.39–0.53 a message → 0.08–0.21 and Azurite's CPU a message by a
    /// fifth, durable-sends unchanged (2,215–2,294 acked/s against 2,305–2,328); but the 800-msg/s step passed in 2 of 4
    /// runs against 11 of 11 without (likely a 20-row transaction holding Azurite's single thread while every other
    /// request waits: each of its rows is found by scanning the shared partition, docs/performance.md). So it is for an Azure Table account of many quiet channels, which bills per request and runs a
    /// partition's transactions beside other partitions' requests.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan BehindWriteDelay { get; set; } = TimeSpan.Zero;

    /// <summary>The rows queued in a partition that end the wait of <see cref="BehindWriteDelay"/>.</summary>
    [Range(1, 100)]
    public int BehindWriteGather { get; set; } = 20;

    /// <summary>How long one storage request may take before the write fails (sends then fail fast instead of hanging).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
