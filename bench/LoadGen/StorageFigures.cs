namespace CommunityScale.Bench;

/// <summary>The bytes per message, from the silo's storage counters and the storage process's bytes read over one window.</summary>
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
        var storageBytes = (counters.JournalBytes + counters.StateBytes) / stored;
        extra["storage_messages_counted"] = stored;
        extra["storage_bytes_per_message"] = Math.Round(storageBytes);
        extra["storage_state_bytes_per_message"] = Math.Round(counters.StateBytes / stored);
        extra["message_bytes"] = Math.Round(messageBytes);
        extra["storage_bytes_ratio"] = messageBytes > 0 ? Math.Round(storageBytes / messageBytes, 2) : 0;
        extra["storage_wire_bytes_per_message"] = Math.Round(used.StorageRead / stored);
        Console.WriteLine($"  storage: {storageBytes:0} B per stored message ({counters.JournalBytes:0} journal + {counters.StateBytes:0} state bytes / {stored:0} messages), "
            + $"message {messageBytes:0} B, ratio {(messageBytes > 0 ? storageBytes / messageBytes : 0):0.00}; wire (Azurite rchar) {used.StorageRead / stored:0} B per message");
    }
}
