namespace CommunityScale.Scheduling;

/// <summary>
/// Whether the state write under way is one nobody waits for: a write-behind flush or a points grain's gathered write.
/// Grain storage that can store several grains' states in one operation (Azure Table, in shared partitions) can let
/// such a write wait for others (<c>Storage:AzureTable:BehindWriteDelay</c>, 0 by default); a write someone waits for
/// goes at once and takes the waiting ones along.
/// </summary>
public static class WriteTiming
{
    private static readonly AsyncLocal<bool> Behind = new();

    /// <summary>True inside <see cref="Unhurried"/>, in the same asynchronous flow.</summary>
    public static bool IsBehind => Behind.Value;

    /// <summary>Runs <paramref name="write"/> marked as a write nobody waits for.</summary>
    public static async Task Unhurried(Func<Task> write)
    {
        // Set in this method's own flow: the caller's flag is back as it was when this returns.
        Behind.Value = true;
        await write();
    }
}
