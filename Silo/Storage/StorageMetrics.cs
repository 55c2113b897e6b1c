using System.Diagnostics.Metrics;

namespace CommunityScale.Silo.Storage;

/// <summary>What the silo sends to storage, so the bench can put bytes per accepted message beside the message's own size.</summary>
public static class StorageMetrics
{
    public const string MeterName = "CommunityScale.Storage";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> StateBytesWritten = Meter.CreateCounter<long>("storage.state.written", "By", "Serialized grain state bytes written to Azure Table storage");
}
