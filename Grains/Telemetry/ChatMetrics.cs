using System.Diagnostics.Metrics;

namespace CommunityScale.Telemetry;

/// <summary>The chat meter: what group commit buys (messages per storage write) is visible to operators and tests alike.</summary>
public static class ChatMetrics
{
    public const string MeterName = "CommunityScale.Chat";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> MessagesStored = Meter.CreateCounter<long>("chat.messages.stored", "{message}", "Chat messages durably stored and acked");

    public static readonly Counter<long> StorageWrites = Meter.CreateCounter<long>("chat.storage.writes", "{write}", "Channel state writes that stored messages (one per group-commit batch)");

    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("chat.batch.size", "{message}", "Messages per group-commit write");

    public static readonly Counter<long> ModerationRefusals = Meter.CreateCounter<long>("moderation.refusals", "{send}", "Sends refused by automatic moderation, tagged with the step");

    public static readonly Counter<long> PostsStored = Meter.CreateCounter<long>("forum.posts.stored", "{post}", "Forum posts (thread openings and replies) durably stored");

    public static readonly Counter<long> JournalWrites = Meter.CreateCounter<long>("chat.journal.writes", "{write}", "Journal storage operations (each carries the messages of many channels)");

    public static readonly Counter<long> JournalBytes = Meter.CreateCounter<long>("chat.journal.bytes", "By", "Serialized message bytes inserted into the journal");

    public static readonly Histogram<int> JournalBatchRows = Meter.CreateHistogram<int>("chat.journal.batch.rows", "{message}", "Messages per journal storage operation");

    public static readonly Counter<long> PagesSealed = Meter.CreateCounter<long>("chat.pages.sealed", "{page}", "History pages sealed by compaction (each written once)");

    public static readonly Counter<long> SendsRefusedUnavailable = Meter.CreateCounter<long>("chat.sends.unavailable", "{send}", "Sends refused because storage failed");
}
