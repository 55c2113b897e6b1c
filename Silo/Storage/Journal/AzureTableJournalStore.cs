using System.Globalization;
using Azure;
using Azure.Data.Tables;
using CommunityScale.Chat;
using CommunityScale.Chat.Journal;
using CommunityScale.Errors;
using Microsoft.Extensions.Logging;

namespace CommunityScale.Silo.Storage.Journal;

/// <summary>
/// The chat journal in Azure Table Storage (or Azurite), in the table <c>{Storage:AzureTable:TableName}journal</c>.
/// A journal partition is a table partition (<c>j{partition}</c>), so the rows of many channels are inserted in one
/// entity-group transaction; a row's key is <c>{escaped channel}|{seq:D19}</c>, which makes a channel's rows one
/// contiguous key range in seq order. Row data is split over binary properties D0…D9 of at most 64 KiB, as in
/// <see cref="AzureTableGrainStorage"/>, whose limits this store keeps.
/// </summary>
public sealed partial class AzureTableJournalStore : IJournalStore
{
    /// <summary>The largest row this store accepts: ten binary properties of 64 KiB.</summary>
    public const int MaxRowBytes = AzureTableGrainStorage.ChunkBytes * AzureTableGrainStorage.ChunksPerRow;

    private const int MaxActionsPerTransaction = 100;

    /// <summary>
    /// Azure refuses a transaction whose payload (binary data as base64, plus JSON) exceeds 4 MiB, so a batch of large
    /// rows is split further: 2.5 MB of data stays inside the limit after base64's 4/3.
    /// </summary>
    private const int MaxDataBytesPerTransaction = 2_500_000;

    /// <summary>A row vanishing between our failed insert and our read of it (a concurrent Delete) is retried this often.</summary>
    private const int MaxVanishedRetries = 3;

    private const string SizeProperty = "Size";
    private const string SeqSeparator = "|";

    /// <summary>Sorts right after <see cref="SeqSeparator"/>, so <c>prefix|</c> … <c>prefix}</c> bounds exactly one channel's keys.</summary>
    private const string RangeEnd = "}";

    private static readonly string[] KeyColumns = ["PartitionKey", "RowKey"];

    private readonly TableServiceClient _service;
    private readonly TableClient _table;
    private readonly ILogger<AzureTableJournalStore> _logger;
    private readonly Lock _tableGate = new();
    private Task? _tableCreated;

    private AzureTableJournalStore(TableServiceClient service, string tableName, ILogger<AzureTableJournalStore> logger)
    {
        _service = service;
        _table = service.GetTableClient(tableName);
        _logger = logger;
    }

    /// <summary>
    /// The store for <paramref name="options"/>. It does not contact storage: the table is created on first use, so a
    /// silo starts (and reports storage as not ready) while storage is still coming up.
    /// </summary>
    public static AzureTableJournalStore Create(AzureTableStorageOptions options, ILogger<AzureTableJournalStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var tableName = options.TableName + "journal";
        if (tableName.Length > 63)
        {
            throw new ArgumentException(
                $"The journal table '{tableName}' would be longer than Azure's 63 characters: Storage:AzureTable:TableName may have at most 56 for the journal's suffix.",
                nameof(options));
        }

        return new AzureTableJournalStore(StorageRegistration.CreateServiceClient(options), tableName, logger);
    }

    public async Task<IReadOnlyList<bool>> Insert(int partition, IReadOnlyList<JournalRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var entities = ToEntities(partition, rows);
        var stored = new bool[rows.Count];
        if (rows.Count == 0)
        {
            return stored;
        }

        await TableCreated();
        foreach (var transaction in Transactions(entities, rows))
        {
            await InsertTransaction(transaction, entities, rows, stored);
        }

        return stored;
    }

    public async Task Replace(int partition, IReadOnlyList<JournalRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var entities = ToEntities(partition, rows);
        if (rows.Count == 0)
        {
            return;
        }

        await TableCreated();
        foreach (var transaction in Transactions(entities, rows))
        {
            await Guard(() => _table.SubmitTransactionAsync(
                transaction.Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace, entities[i]))), "replace journal rows");
        }
    }

    public async Task<IReadOnlyList<JournalRow>> Read(int partition, ChannelKey channel, long afterSeq)
    {
        await TableCreated();
        var prefix = PrefixOf(channel);

        // "prefix|" itself is no row's key, so "greater than" it starts at the channel's first row.
        var after = afterSeq < 0 ? prefix + SeqSeparator : RowKeyOf(prefix, afterSeq);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {PartitionKeyOf(partition)} and RowKey gt {after} and RowKey lt {prefix + RangeEnd}");
        return await Guard(async () =>
        {
            var rows = new List<JournalRow>();
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter))
            {
                if (TryParseSeq(entity.RowKey, prefix, out var seq))
                {
                    rows.Add(new JournalRow(channel, seq, DataOf(entity)));
                }
            }

            return rows;
        }, "read the journal");
    }

    public async Task Delete(int partition, ChannelKey channel, long throughSeq)
    {
        if (throughSeq < 0)
        {
            // Seqs are never negative (Insert and Replace refuse them), so there is nothing to delete.
            return;
        }

        await TableCreated();
        var partitionKey = PartitionKeyOf(partition);
        var prefix = PrefixOf(channel);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partitionKey} and RowKey gt {prefix + SeqSeparator} and RowKey le {RowKeyOf(prefix, throughSeq)}");
        var keys = await Guard(async () =>
        {
            var found = new List<string>();
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, select: KeyColumns))
            {
                if (TryParseSeq(entity.RowKey, prefix, out _))
                {
                    found.Add(entity.RowKey);
                }
            }

            return found;
        }, "find journal rows to delete");

        for (var start = 0; start < keys.Count; start += MaxActionsPerTransaction)
        {
            await DeleteTransaction(partitionKey, keys.GetRange(start, Math.Min(MaxActionsPerTransaction, keys.Count - start)));
        }
    }

    /// <summary>
    /// One transaction's inserts. A row that already exists fails the whole transaction, and the service names only the
    /// first such row; that row is settled by comparing bytes and left out, and the rest is submitted again.
    /// </summary>
    private async Task InsertTransaction(List<int> pending, TableEntity[] entities, IReadOnlyList<JournalRow> rows, bool[] stored)
    {
        if (pending.Count == 1)
        {
            await InsertOne(pending[0], entities, rows, stored);
            return;
        }

        var vanished = 0;
        while (pending.Count > 0)
        {
            try
            {
                await Guard(() => _table.SubmitTransactionAsync(
                    pending.Select(i => new TableTransactionAction(TableTransactionActionType.Add, entities[i]))), "insert journal rows");
                foreach (var i in pending)
                {
                    stored[i] = true;
                }

                return;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                // Should the service not say which row exists, every row of the transaction is checked.
                List<int> existing = ex.FailedTransactionActionIndex is int failed && failed >= 0 && failed < pending.Count
                    ? [pending[failed]]
                    : [.. pending];
                var settled = 0;
                foreach (var i in existing)
                {
                    var held = await ReadData(entities[i].PartitionKey, entities[i].RowKey);
                    if (held is null)
                    {
                        continue;
                    }

                    stored[i] = held.AsSpan().SequenceEqual(rows[i].Data.Span);
                    pending.Remove(i);
                    settled++;
                }

                // The row that was in the way is gone again (a Delete raced us): the next attempt may simply succeed.
                if (settled == 0 && ++vanished > MaxVanishedRetries)
                {
                    throw new InvalidOperationException(
                        $"Inserting journal rows into partition '{entities[pending[0]].PartitionKey}' kept failing on rows that were deleted as soon as they were found.", ex);
                }
            }
        }
    }

    /// <summary>
    /// A quiet partition's lone row goes as a plain insert: a one-action transaction guards nothing more and costs the
    /// service about twice the work (Azurite parses the multipart batch, then performs the same insert).
    /// </summary>
    private async Task InsertOne(int i, TableEntity[] entities, IReadOnlyList<JournalRow> rows, bool[] stored)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await Guard(() => _table.AddEntityAsync(entities[i]), "insert a journal row");
                stored[i] = true;
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                var held = await ReadData(entities[i].PartitionKey, entities[i].RowKey);
                if (held is not null)
                {
                    stored[i] = held.AsSpan().SequenceEqual(rows[i].Data.Span);
                    return;
                }

                // The row in the way was deleted again before we could read it: the next attempt may simply succeed.
                if (attempt >= MaxVanishedRetries)
                {
                    throw new InvalidOperationException(
                        $"Inserting journal row '{entities[i].RowKey}' kept failing on a row that was deleted as soon as it was found.", ex);
                }
            }
        }
    }

    /// <summary>Deletes rows; one deleted concurrently (404) is left out and the rest submitted again.</summary>
    private async Task DeleteTransaction(string partitionKey, List<string> rowKeys)
    {
        while (rowKeys.Count > 0)
        {
            try
            {
                await Guard(() => _table.SubmitTransactionAsync(
                    rowKeys.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partitionKey, k), ETag.All))),
                    "delete journal rows");
                return;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 404)
            {
                if (ex.FailedTransactionActionIndex is int failed && failed >= 0 && failed < rowKeys.Count)
                {
                    rowKeys.RemoveAt(failed);
                    continue;
                }

                // Not told which row is gone: delete them one by one, which (outside a transaction) ignores missing rows.
                foreach (var rowKey in rowKeys)
                {
                    await Guard(() => _table.DeleteEntityAsync(partitionKey, rowKey, ETag.All), "delete journal rows");
                }

                return;
            }
        }
    }

    private async Task<byte[]?> ReadData(string partitionKey, string rowKey)
    {
        var entity = await Guard(() => _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey), "read a journal row");
        return entity.HasValue && entity.Value is not null ? DataOf(entity.Value) : null;
    }

    /// <summary>
    /// Splits a call's rows into transactions: at most 100 actions and 2.5 MB of data each, and a (channel, seq) at most
    /// once per transaction (Azure refuses a transaction that names an entity twice; in order, the later one then sees
    /// the earlier one as an insert does).
    /// </summary>
    private static List<List<int>> Transactions(TableEntity[] entities, IReadOnlyList<JournalRow> rows)
    {
        var transactions = new List<List<int>>();
        var current = new List<int>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var bytes = 0L;
        for (var i = 0; i < entities.Length; i++)
        {
            var size = rows[i].Data.Length;
            if (current.Count == MaxActionsPerTransaction || bytes + size > MaxDataBytesPerTransaction || keys.Contains(entities[i].RowKey))
            {
                transactions.Add(current);
                current = [];
                keys.Clear();
                bytes = 0;
            }

            current.Add(i);
            keys.Add(entities[i].RowKey);
            bytes += size;
        }

        if (current.Count > 0)
        {
            transactions.Add(current);
        }

        return transactions;
    }

    /// <summary>Builds every entity before anything is written, so a row this store cannot hold fails the call up front.</summary>
    private static TableEntity[] ToEntities(int partition, IReadOnlyList<JournalRow> rows)
    {
        var partitionKey = PartitionKeyOf(partition);
        var entities = new TableEntity[rows.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.Seq < 0)
            {
                throw new ArgumentException($"Journal row seq {row.Seq} of channel '{row.Channel}' is negative; journal seqs start at 0.", nameof(rows));
            }

            var data = row.Data;
            if (data.Length > MaxRowBytes)
            {
                throw new ArgumentException(
                    $"Journal row seq {row.Seq} of channel '{row.Channel}' is {data.Length:N0} bytes; an Azure Table journal row holds at most {MaxRowBytes:N0}.",
                    nameof(rows));
            }

            var entity = new TableEntity(partitionKey, RowKeyOf(PrefixOf(row.Channel), row.Seq)) { [SizeProperty] = (long)data.Length };
            for (var c = 0; c * AzureTableGrainStorage.ChunkBytes < data.Length; c++)
            {
                var start = c * AzureTableGrainStorage.ChunkBytes;
                entity[ChunkProperty(c)] = data.Slice(start, Math.Min(AzureTableGrainStorage.ChunkBytes, data.Length - start)).ToArray();
            }

            entities[r] = entity;
        }

        return entities;
    }

    private static byte[] DataOf(TableEntity entity)
    {
        var size = entity.GetInt64(SizeProperty) is long s and >= 0 and <= MaxRowBytes
            ? (int)s
            : throw new InvalidDataException($"Journal row '{entity.PartitionKey}/{entity.RowKey}' has no valid {SizeProperty}.");
        var data = new byte[size];
        var offset = 0;
        for (var c = 0; offset < size; c++)
        {
            var chunk = (c < AzureTableGrainStorage.ChunksPerRow ? entity.GetBinary(ChunkProperty(c)) : null)
                ?? throw new InvalidDataException($"Journal row '{entity.PartitionKey}/{entity.RowKey}' is missing chunk {ChunkProperty(c)}.");
            if (chunk.Length > size - offset)
            {
                throw new InvalidDataException($"Journal row '{entity.PartitionKey}/{entity.RowKey}' holds more bytes than its {SizeProperty} says.");
            }

            chunk.CopyTo(data, offset);
            offset += chunk.Length;
        }

        return data;
    }

    /// <summary>
    /// Whether <paramref name="rowKey"/> is one of the channel's rows. The key range also admits the keys of a channel
    /// whose escaped name continues the prefix with '|' (no channel id has one today); those are skipped.
    /// </summary>
    private static bool TryParseSeq(string rowKey, string prefix, out long seq)
    {
        seq = 0;
        var digits = rowKey.AsSpan();
        return digits.Length == prefix.Length + SeqSeparator.Length + 19
            && digits.StartsWith(prefix, StringComparison.Ordinal)
            && digits[prefix.Length..].StartsWith(SeqSeparator, StringComparison.Ordinal)
            && long.TryParse(digits[(prefix.Length + SeqSeparator.Length)..], NumberStyles.None, CultureInfo.InvariantCulture, out seq);
    }

    private static string PartitionKeyOf(int partition) => string.Create(CultureInfo.InvariantCulture, $"j{partition}");

    private static string PrefixOf(ChannelKey channel) => AzureTableGrainStorage.EscapeKey(channel.ToString());

    /// <summary>Seqs padded to 19 digits (all of a non-negative long) sort as numbers in the string order keys have.</summary>
    private static string RowKeyOf(string prefix, long seq) => string.Create(CultureInfo.InvariantCulture, $"{prefix}{SeqSeparator}{seq:D19}");

    private static string ChunkProperty(int index) => string.Create(CultureInfo.InvariantCulture, $"D{index}");

    /// <summary>
    /// Creates the table once; a failed attempt (storage not up yet) is forgotten so the next call tries again instead
    /// of failing forever on a cached error.
    /// </summary>
    private Task TableCreated()
    {
        var created = Volatile.Read(ref _tableCreated);
        if (created is { IsCompletedSuccessfully: true })
        {
            return created;
        }

        lock (_tableGate)
        {
            if (_tableCreated is null || _tableCreated.IsFaulted || _tableCreated.IsCanceled)
            {
                _tableCreated = CreateTable();
            }

            return _tableCreated;
        }
    }

    private async Task CreateTable()
    {
        await Guard(() => _table.CreateIfNotExistsAsync(), "create the journal table");
        LogReady(_logger, _table.Name, _service.Uri);
    }

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
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is HttpRequestException or TaskCanceledException or RequestFailedException { Status: 0 }))
        {
            // Each of the SDK's retries failed to connect or timed out.
            throw Unreachable(what, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw Unreachable(what, ex);
        }
    }

    private StorageUnavailableException Unreachable(string what, Exception ex)
    {
        LogUnreachable(_logger, ex, _service.Uri, what);
        return new StorageUnavailableException(
            $"Azure Table storage at {_service.Uri} is unreachable: could not {what} ({ex.GetBaseException().Message}). Is Azurite running?");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Azure Table storage at {Endpoint} is unreachable: could not {What}")]
    private static partial void LogUnreachable(ILogger logger, Exception ex, Uri endpoint, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "The chat journal uses table '{Table}' at {Endpoint}")]
    private static partial void LogReady(ILogger logger, string table, Uri endpoint);
}
