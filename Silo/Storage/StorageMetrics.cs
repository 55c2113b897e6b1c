using System.Diagnostics.Metrics;

namespace CommunityScale.Silo.Storage;

/// <summary>What the silo sends to storage, so the bench can put bytes per accepted message beside the message's own size.</summary>
public static class StorageMetrics
{
    public const string MeterName = "CommunityScale.Storage";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> StateBytesWritten = Meter.CreateCounter<long>("storage.state.written", "By", "Serialized grain state bytes written to Azure Table storage");

    /// <summary>Storage operations by grain type: the bench puts them beside the messages stored, to find who writes.</summary>
    public static readonly Counter<long> StateWrites = Meter.CreateCounter<long>("storage.state.writes", "{write}", "Grain state writes to Azure Table storage, tagged with the grain type");

    /// <summary>Storage requests that wrote grain states: fewer than the writes where several grains' writes shared one.</summary>
    public static readonly Counter<long> StateRequests = Meter.CreateCounter<long>("storage.state.requests", "{request}", "Requests to Azure Table storage that wrote grain states (one carries several grains' writes in shared partitions)");

    public static readonly Counter<long> StateReads = Meter.CreateCounter<long>("storage.state.reads", "{read}", "Grain state reads from Azure Table storage (activations), tagged with the grain type");

    /// <summary>Writes refused as a conflict that turned out to be our own earlier write, applied after it timed out.</summary>
    public static readonly Counter<long> OwnWritesRecognised = Meter.CreateCounter<long>("storage.state.own_writes_recognised", "{write}", "State writes refused by ETag whose stored row was this silo's own earlier write, applied after a timeout");

    public static KeyValuePair<string, object?> Grain(GrainId grainId) => new("grain", grainId.Type.ToString());
}
