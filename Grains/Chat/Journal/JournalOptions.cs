using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Chat.Journal;

/// <summary>The chat write-ahead journal, bound from <c>Journal</c>.</summary>
public sealed class JournalOptions
{
    public const string Section = "Journal";

    /// <summary>
    /// How many storage partitions the journal spreads channels over. Rows of one partition are written together, so
    /// fewer partitions batch more; more partitions spread load (an Azure Table partition serves ≈ 2,000 rows/s). A
    /// channel keeps the count it was created with (stored in its state), so changing this never loses journal rows.
    /// </summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 8;

    /// <summary>The most rows one storage operation carries (Azure's entity-group transactions hold at most 100).</summary>
    [Range(1, 100)]
    public int MaxBatchRows { get; set; } = 100;

    /// <summary>
    /// How long a partition's writer may wait for more rows when fewer than a full batch are queued. Zero (the default)
    /// adds no latency: rows that arrive while a write is in flight already share the next one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:00.100")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.Zero;
}
