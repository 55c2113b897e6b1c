using System.Globalization;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using CommunityScale.Errors;
using Orleans.Storage;

namespace CommunityScale.Silo.Storage;

/// <summary>
/// Orleans grain storage over Azure Table Storage (Azure.Data.Tables), kept within the real service's limits even
/// where Azurite is laxer: binary properties of at most 64 KiB, at most 10 of them per entity (under 1 MiB even as the
/// base64 that Azurite measures), and a
/// state spread over several rows of one partition, all written in one transaction so a write is all or nothing.
/// The head row's ETag guards concurrency: a stale write throws <see cref="InconsistentStateException"/>.
/// </summary>
/// <remarks>
/// Layout: <see cref="StateLayout"/> (shared partitions, whose writes <see cref="TableWriteLanes"/> batches across grains;
/// or, in a table written before them, a partition per grain). The ETag handed to Orleans is <c>rows:azureETag</c>, so a
/// write knows how many rows the previous one left without reading.
/// A write whose outcome is unknown (a timeout: storage may still apply it) appends its write id, <c>|id</c>; see
/// <see cref="WriteStateAsync{T}"/>.
/// </remarks>
public sealed partial class AzureTableGrainStorage(
    string name,
    TableServiceClient service,
    AzureTableStorageOptions options,
    IGrainStorageSerializer serializer,
    ILogger<AzureTableGrainStorage> logger) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public const int ChunkBytes = 64 * 1024;
    public const int ChunksPerRow = 10;
    private const string RowsProperty = "Rows";
    private const string SizeProperty = "Size";
    private const string WriteIdProperty = "WriteId";

    private Task<StateLayout>? _layout;
    private TableWriteLanes? _lanes;

    public string TableName => options.TableName;

    private TableClient Table => service.GetTableClient(options.TableName);

    /// <summary>The table's layout, read (or chosen) once; a failed attempt is tried again by the next call.</summary>
    private async Task<StateLayout> Layout()
    {
        var layout = _layout ??= Guard(() => StateLayout.Of(Table, options.StatePartitions), "read the table's layout");
        try
        {
            return await layout;
        }
        catch
        {
            _ = Interlocked.CompareExchange(ref _layout, null, layout);
            throw;
        }
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe($"{nameof(AzureTableGrainStorage)}-{name}", ServiceLifecycleStage.ApplicationServices, InitializeAsync);

    /// <summary>Creates the table; fails with a message naming the endpoint when storage cannot be reached.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await Guard(() => Table.CreateIfNotExistsAsync(cancellationToken), "create the table");
        var layout = await Layout();
        LogReady(logger, name, options.TableName, service.Uri, layout.Shared ? $"{layout.Partitions} shared partitions" : "a partition per grain");
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var layout = await Layout();
        var (partition, headRow) = (layout.PartitionOf(grainId), layout.HeadRowOf(grainId, stateName));
        for (var attempt = 0; ; attempt++)
        {
            var head = await Guard(() => Table.GetEntityIfExistsAsync<TableEntity>(partition, headRow), "read state");
            StorageMetrics.StateReads.Add(1, StorageMetrics.Grain(grainId));
            if (!head.HasValue || head.Value is null)
            {
                grainState.ETag = null;
                grainState.RecordExists = false;
                return;
            }

            var rows = new List<TableEntity> { head.Value };
            var rowCount = head.Value.GetInt32(RowsProperty) ?? 1;
            var writeId = head.Value.GetString(WriteIdProperty);
            for (var i = 1; i < rowCount; i++)
            {
                var row = await Guard(() => Table.GetEntityIfExistsAsync<TableEntity>(partition, StateLayout.ChunkRow(headRow, i)), "read state");
                if (!row.HasValue || row.Value is null || row.Value.GetString(WriteIdProperty) != writeId)
                {
                    rows.Clear();
                    break;
                }

                rows.Add(row.Value);
            }

            if (rows.Count != rowCount)
            {
                // A concurrent writer replaced the rows between our reads; read the new version.
                if (attempt < 3)
                {
                    continue;
                }

                throw new InconsistentStateException($"State '{stateName}' of {grainId} kept changing while it was read.");
            }

            var size = (int)(head.Value.GetInt64(SizeProperty) ?? 0);
            var data = new byte[size];
            var offset = 0;
            foreach (var row in rows)
            {
                for (var c = 0; c < ChunksPerRow && offset < size; c++)
                {
                    var chunk = row.GetBinary(ChunkProperty(c)) ?? throw new InvalidOperationException($"State '{stateName}' of {grainId} is missing chunk {c}.");
                    chunk.CopyTo(data, offset);
                    offset += chunk.Length;
                }
            }

            grainState.State = serializer.Deserialize<T>(new BinaryData(data));
            grainState.ETag = ComposeETag(rowCount, head.Value.ETag);
            grainState.RecordExists = true;
            return;
        }
    }

    /// <summary>
    /// Writes the state, guarded by its ETag. A write can time out and still be applied (Azurite frozen, a slow link):
    /// the SDK's retry of it, and every later write with the old ETag, would then be refused as "changed by another
    /// writer" for the rest of the activation, since the grain never learns the ETag its own write produced (seen in
    /// the chaos soak: a member grain refused 130 times in a row). So each write is tagged with a write id, a refusal
    /// reads the head row, and when the row holds this write, or one of ours whose outcome was unknown, the write is
    /// ours: this one succeeded, or it is written again over our own earlier one. A row written by anyone else is a
    /// real conflict and still refused.
    /// </summary>
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Write(stateName, grainId, grainState, mayWriteOverEarlier: true);

    private async Task Write<T>(string stateName, GrainId grainId, IGrainState<T> grainState, bool mayWriteOverEarlier)
    {
        var data = serializer.Serialize(grainState.State).ToMemory();
        if (data.Length > options.MaxStateBytes)
        {
            throw new GrainStateTooLargeException(
                $"State '{stateName}' of {grainId} is {data.Length:N0} bytes; Azure Table storage here accepts at most {options.MaxStateBytes:N0} (Storage:AzureTable:MaxStateBytes).");
        }

        var layout = await Layout();
        var (partition, headRow) = (layout.PartitionOf(grainId), layout.HeadRowOf(grainId, stateName));
        var (previousRows, etag) = ParseETag(grainState.ETag);
        var chunks = (data.Length + ChunkBytes - 1) / ChunkBytes;
        var rowCount = Math.Max(1, (chunks + ChunksPerRow - 1) / ChunksPerRow);
        var writeId = Guid.NewGuid().ToString("n");

        var actions = new List<TableTransactionAction>(Math.Max(rowCount, previousRows));
        for (var r = 0; r < rowCount; r++)
        {
            var entity = new TableEntity(partition, r == 0 ? headRow : StateLayout.ChunkRow(headRow, r)) { [WriteIdProperty] = writeId };
            for (var c = 0; c < ChunksPerRow; c++)
            {
                var start = ((r * ChunksPerRow) + c) * ChunkBytes;
                if (start >= data.Length)
                {
                    break;
                }

                entity[ChunkProperty(c)] = data.Slice(start, Math.Min(ChunkBytes, data.Length - start)).ToArray();
            }

            if (r == 0)
            {
                entity[RowsProperty] = rowCount;
                entity[SizeProperty] = (long)data.Length;
                actions.Add(etag is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, etag.Value));
            }
            else
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity));
            }
        }

        for (var r = rowCount; r < previousRows; r++)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, StateLayout.ChunkRow(headRow, r)), ETag.All));
        }

        ETag written;
        try
        {
            written = await Send(layout, partition, actions, data.Length, stateName, grainId, grainState.ETag);
        }
        catch (Exception ex) when (ex is not InconsistentStateException)
        {
            // Storage may still apply it: remember its id so that a later refusal can recognise the row as ours.
            grainState.ETag = WithUnknownWrite(grainState.ETag, writeId);
            throw;
        }
        catch (InconsistentStateException)
        {
            var stored = await OurOwnHead(partition, headRow, [writeId, .. mayWriteOverEarlier ? UnknownWrites(grainState.ETag) : []]);
            if (stored is null)
            {
                throw;
            }

            StorageMetrics.OwnWritesRecognised.Add(1, StorageMetrics.Grain(grainId));
            if (stored.GetString(WriteIdProperty) != writeId)
            {
                // An earlier write of ours was applied after it had timed out: write this state over it, once.
                grainState.ETag = ComposeETag(stored.GetInt32(RowsProperty) ?? 1, stored.ETag);
                await Write(stateName, grainId, grainState, mayWriteOverEarlier: false);
                return;
            }

            // The SDK retried this very write after its first attempt had been applied.
            written = stored.ETag;
        }

        StorageMetrics.StateBytesWritten.Add(data.Length, StorageMetrics.Grain(grainId));
        StorageMetrics.StateWrites.Add(1, StorageMetrics.Grain(grainId));
        grainState.ETag = ComposeETag(rowCount, written);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var layout = await Layout();
        var (partition, headRow) = (layout.PartitionOf(grainId), layout.HeadRowOf(grainId, stateName));
        if (UnknownWrites(grainState.ETag) is { Length: > 0 } unknown
            && await OurOwnHead(partition, headRow, unknown) is { } ours)
        {
            // Our last write timed out but was applied: clear what it stored.
            grainState.ETag = ComposeETag(ours.GetInt32(RowsProperty) ?? 1, ours.ETag);
        }

        var (rows, etag) = ParseETag(grainState.ETag);
        if (etag is not null)
        {
            var actions = new List<TableTransactionAction>(rows)
            {
                new(TableTransactionActionType.Delete, new TableEntity(partition, headRow), etag.Value),
            };
            for (var r = 1; r < rows; r++)
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, StateLayout.ChunkRow(headRow, r)), ETag.All));
            }

            await Submit(actions, stateName, grainId, grainState.ETag);
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }

    /// <summary>The head row, when one of <paramref name="writeIds"/> (ours) stored it; otherwise null.</summary>
    private async Task<TableEntity?> OurOwnHead(string partition, string headRow, IReadOnlyCollection<string> writeIds)
    {
        var head = await Guard(() => Table.GetEntityIfExistsAsync<TableEntity>(partition, headRow), "read state");
        return head.HasValue && head.Value?.GetString(WriteIdProperty) is { } stored && writeIds.Contains(stored) ? head.Value : null;
    }

    private async Task<Response<IReadOnlyList<Response>>> Submit(List<TableTransactionAction> actions, string stateName, GrainId grainId, string? expectedETag)
    {
        try
        {
            return await Guard(() => Table.SubmitTransactionAsync(actions), "write state");
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            throw ChangedByAnother(stateName, grainId, expectedETag, ex.Status, ex);
        }
    }

    /// <summary>One write's rows, through its partition's lane (with other grains' writes, in shared partitions).</summary>
    private async Task<ETag> Send(StateLayout layout, string partition, List<TableTransactionAction> actions, int bytes, string stateName, GrainId grainId, string? expectedETag)
    {
        var lanes = _lanes ??= new TableWriteLanes(Table, options, gather: layout.Shared);
        try
        {
            return await Guard(() => lanes.Write(partition, actions, bytes), "write state");
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            throw ChangedByAnother(stateName, grainId, expectedETag, ex.Status, ex);
        }
    }

    private static InconsistentStateException ChangedByAnother(string stateName, GrainId grainId, string? expectedETag, int status, Exception ex) =>
        new($"State '{stateName}' of {grainId} was changed by another writer (storage said {status}).", "unknown", expectedETag ?? "none", ex);

    /// <summary>Turns "storage is not there" into one clear exception instead of a socket error deep in the SDK.</summary>
    private async Task<TResult> Guard<TResult>(Func<Task<TResult>> call, string what)
    {
        try
        {
            return await call();
        }
        catch (RequestFailedException ex) when (ex.Status == 0)
        {
            throw Unreachable(what, ex);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is HttpRequestException or RequestFailedException { Status: 0 }))
        {
            // The SDK's retries each failed to connect.
            throw Unreachable(what, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw Unreachable(what, ex);
        }
    }

    private StorageUnavailableException Unreachable(string what, Exception ex)
    {
        LogUnreachable(logger, ex, service.Uri, what);
        return new($"Azure Table storage at {service.Uri} is unreachable: could not {what} ({ex.GetBaseException().Message}). Is Azurite running?");
    }

    /// <summary>Azure forbids / \ # ? and control characters in keys; percent-escape them (and % itself) reversibly.</summary>
    public static string EscapeKey(string key)
    {
        var builder = new StringBuilder(key.Length + 8);
        foreach (var ch in key)
        {
            if (ch is '/' or '\\' or '#' or '?' or '%' || char.IsControl(ch))
            {
                builder.Append('%').Append(((int)ch).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(ch);
            }
        }

        return builder.ToString();
    }

    private static string ChunkProperty(int index) => $"D{index}";

    private static string ComposeETag(int rows, ETag etag) => $"{rows}:{etag}";

    private static (int Rows, ETag? ETag) ParseETag(string? composed)
    {
        if (composed is null)
        {
            return (0, null);
        }

        var colon = composed.IndexOf(':', StringComparison.Ordinal);
        var bar = composed.IndexOf('|', StringComparison.Ordinal);
        var etag = bar < 0 ? composed[(colon + 1)..] : composed[(colon + 1)..bar];
        return (int.Parse(composed.AsSpan(0, colon), CultureInfo.InvariantCulture), etag.Length == 0 ? null : new ETag(etag));
    }

    /// <summary>The ids of our writes since the last known one whose outcome is unknown; Azure ETags hold no '|'.</summary>
    private static string[] UnknownWrites(string? composed)
    {
        var bar = composed?.IndexOf('|', StringComparison.Ordinal) ?? -1;
        return bar < 0 ? [] : composed![(bar + 1)..].Split(',');
    }

    /// <summary>Adds a write id to the unknown ones, keeping the last few: each is one more write storage may hold.</summary>
    private static string WithUnknownWrite(string? composed, string writeId)
    {
        var (rows, etag) = ParseETag(composed);
        var unknown = UnknownWrites(composed).Append(writeId).TakeLast(MaxUnknownWrites);
        return $"{rows}:{etag}|{string.Join(',', unknown)}";
    }

    private const int MaxUnknownWrites = 8;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Azure Table storage at {Endpoint} is unreachable: could not {What}")]
    private static partial void LogUnreachable(ILogger logger, Exception ex, Uri endpoint, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain storage '{Name}' uses table '{Table}' at {Endpoint}, {Layout}")]
    private static partial void LogReady(ILogger logger, string name, string table, Uri endpoint, string layout);
}

/// <summary>A state is larger than the provider stores; refused before anything is written.</summary>
public sealed class GrainStateTooLargeException(string message) : Exception(message);
