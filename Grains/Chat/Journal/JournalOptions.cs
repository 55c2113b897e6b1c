using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Chat.Journal;

/// <summary>The chat write-ahead journal, bound from <c>Journal</c>.</summary>
public sealed class JournalOptions
{
    public const string Section = "Journal";

    /// <summary>
    /// How many storage partitions the journal spreads channels over. Rows of one partition are written together, so
    /// fewer partitions batch more;
    /// more partitions spread load: an Azure Table partition serves ≈ 2,000 rows/s, so a cluster on Azure Table wants
    /// about its peak messages/s ÷ 1,500. (On Redis a partition is only a batch: there, fewer is simply better.) The
    /// default, 1, fits one machine: measured at 200 msg/s over 1,000 quiet channels, 2 partitions took 0.86 storage
    /// operations per message and 1 took 0.45. A channel keeps the count it was created with (stored in its state), so
    /// changing this never loses journal rows.
    /// </summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 1;

    /// <summary>The most rows one storage operation carries (Azure's entity-group transactions hold at most 100).</summary>
    [Range(1, 100)]
    public int MaxBatchRows { get; set; } = 100;

    /// <summary>
    /// How long a partition's writer waits for more rows when fewer than a full batch are queued. Rows that arrive while
    /// a write is in flight share the next one anyway; the wait gathers the rows of quiet channels, which arrive one by
    /// one (5 ms: a few milliseconds on the ack, against one storage operation per message).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:00.100")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// How long a partition's writer may wait while every queued row is of a quiet channel (one that did not append
    /// within <see cref="BusyWithin"/>), until <see cref="GatherRows"/> are queued. A quiet channel's message is the first
    /// of a pause, so a few more milliseconds on its ack go unseen, and they let a thousand quiet channels share a write
    /// (measured at 200 msg/s over 1,000 channels: journal writes 0.57–0.60 a message with 5 ms, 0.18–0.19 with 20 ms). A busy
    /// channel's row ends the wait at once (as <see cref="MaxDelay"/>): its next send waits for this append, so every
    /// millisecond here is one its fans wait too. Never shorter than <see cref="MaxDelay"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan QuietDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How many queued rows end a quiet wait (a write of that many already shares its cost well).</summary>
    [Range(1, 100)]
    public int GatherRows { get; set; } = 8;

    /// <summary>A channel whose previous append started less than this long ago is busy: its rows never wait <see cref="QuietDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan BusyWithin { get; set; } = TimeSpan.FromMilliseconds(250);
}
