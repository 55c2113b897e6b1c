namespace CommunityScale.Scheduling;

/// <summary>
/// When a record kept as a full set plus the entries changed since (written on their own, each time all of them) should
/// be written whole again: once the partial writes since the last full one, with this one, would have written as many
/// entries as the full set holds. Partial writes grow by the changes of each flush, so with N entries and d changes a
/// flush this writes about √(2·N·d) entries a flush on average, where writing the whole set each time writes N
/// (100,000 members and 50 changes a second: ≈ 3,200 against 100,000).
/// </summary>
public static class SnapshotRule
{
    /// <summary>Below this many entries a full write is cheap anyway, and it keeps the partial record from growing past it.</summary>
    public const int SmallSet = 64;

    public static bool TimeForFullWrite(int fullEntries, long partialEntriesWritten, int partialEntries) =>
        partialEntriesWritten + partialEntries >= Math.Max(SmallSet, fullEntries);
}
