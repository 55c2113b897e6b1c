namespace CommunityScale.Bench;

/// <summary>The issue's bytes per message, from the silo's storage counters and the storage process's bytes read over one window.</summary>
internal static class StorageFigures
{
    /// <summary>
    /// Bytes sent to storage per stored message over a measured step: the journal's serialized messages plus grain state
    /// written (pages, channel records, points, boards...), against the message's own serialized size (journal bytes per
    /// message). Wire bytes: what the storage process read over the same step, HTTP and base64 included.
    /// </summary>
    public static void Add(Usage used, Dictionary<string, double> extra)
    {
        if (used.Counters is not { MessagesStored: > 0 } counters)
        {
            return;
        }

        var stored = counters.MessagesStored;
        var messageBytes = counters.JournalBytes / stored;

        // Grain state on Redis goes through Orleans' own provider, which counts nothing: there the bytes sent to storage
        // are what the storage process read (commands and protocol included, so an upper bound).
        var stateCounted = counters.StateBytes > 0 || counters.WritesByGrain.Count > 0;
        var storageBytes = stateCounted ? (counters.JournalBytes + counters.StateBytes) / stored : (double)used.StorageRead / stored;
        extra["storage_bytes_from_wire"] = stateCounted ? 0 : 1;
        extra["storage_messages_counted"] = stored;
        extra["storage_bytes_per_message"] = Math.Round(storageBytes);
        extra["storage_state_bytes_per_message"] = Math.Round(counters.StateBytes / stored);
        extra["message_bytes"] = Math.Round(messageBytes);
        extra["storage_bytes_ratio"] = messageBytes > 0 ? Math.Round(storageBytes / messageBytes, 2) : 0;
        extra["storage_wire_bytes_per_message"] = Math.Round(used.StorageRead / stored);
        extra["storage_operations_per_message"] = Math.Round(counters.Operations / stored, 3);
        extra["storage_journal_operations_per_message"] = Math.Round(counters.JournalWrites / stored, 3);
        foreach (var (grain, writes) in counters.WritesByGrain.Where(p => p.Value > 0))
        {
            extra[$"storage_writes_per_message_{grain}"] = Math.Round(writes / stored, 3);
        }

        Console.WriteLine($"  storage operations: {counters.Operations / stored:0.00} per stored message; journal {counters.JournalWrites:0}; writes "
            + string.Join(", ", counters.WritesByGrain.Where(p => p.Value > 0).OrderByDescending(p => p.Value)
                .Select(p => $"{p.Key} {p.Value:0} ({counters.BytesByGrain.GetValueOrDefault(p.Key) / p.Value:0} B each)"))
            + "; reads " + string.Join(", ", counters.ReadsByGrain.Where(p => p.Value > 0).OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:0}")));
        Console.WriteLine($"  storage: {storageBytes:0} B per stored message ({(stateCounted ? $"{counters.JournalBytes:0} journal + {counters.StateBytes:0} state bytes" : "what the storage process read")} / {stored:0} messages), "
            + $"message {messageBytes:0} B, ratio {(messageBytes > 0 ? storageBytes / messageBytes : 0):0.00}; wire (Azurite rchar) {used.StorageRead / stored:0} B per message");
    }
}
