using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace CommunityScale.Silo.Storage;

/// <summary>
/// Where a grain's state rows live in the table. <b>Per grain</b> (tables written before shared partitions): the
/// partition is the grain id, rows are <c>state</c>, <c>state~1</c>…. <b>Shared</b>: the partition is one of
/// <c>~s0</c>…<c>~s{n-1}</c> (a stable hash of the grain id), rows are <c>{grain}|state</c>, <c>{grain}|state~1</c>…, so
/// the states of many grains can be written in one entity-group transaction. A table's layout is chosen once and kept
/// in its row <c>~layout</c>/<c>state</c>: a table that already holds per-grain rows stays per grain (its states are
/// never moved), a new one is shared, and changing <c>Storage:AzureTable:StatePartitions</c> later does not re-hash a
/// table (the count it was created with is kept).
/// </summary>
public sealed record StateLayout(int Partitions)
{
    private const string LayoutPartition = "~layout";
    private const string LayoutRow = "state";
    private const string PartitionsProperty = "Partitions";

    public bool Shared => Partitions > 0;

    public string PartitionOf(GrainId grainId)
    {
        if (!Shared)
        {
            return AzureTableGrainStorage.EscapeKey(grainId.ToString());
        }

        return string.Create(CultureInfo.InvariantCulture, $"~s{StableHash.Bucket(grainId.ToString(), Partitions)}");
    }

    /// <summary>The head row's key; chunk rows follow as <c>{head}~{n}</c>.</summary>
    public string HeadRowOf(GrainId grainId, string stateName) =>
        Shared ? $"{AzureTableGrainStorage.EscapeKey(grainId.ToString()).Replace("|", "%7C", StringComparison.Ordinal)}|{stateName}" : stateName;

    public static string ChunkRow(string headRow, int row) => string.Create(CultureInfo.InvariantCulture, $"{headRow}~{row}");

    /// <summary>The table's layout: the one recorded in it, else per grain if it holds state rows already, else shared.</summary>
    public static async Task<StateLayout> Of(TableClient table, int partitionsForNewTable, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var recorded = await table.GetEntityIfExistsAsync<TableEntity>(LayoutPartition, LayoutRow, cancellationToken: cancellationToken);
            if (recorded.HasValue && recorded.Value is { } row)
            {
                return new StateLayout(row.GetInt32(PartitionsProperty) ?? 0);
            }

            // Per-grain partitions are escaped grain ids ("type/key"): all sort before '~'.
            var existing = false;
            await foreach (var _ in table.QueryAsync<TableEntity>(filter: "PartitionKey lt '~'", maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken))
            {
                existing = true;
                break;
            }

            var layout = new StateLayout(existing ? 0 : partitionsForNewTable);
            try
            {
                await table.AddEntityAsync(new TableEntity(LayoutPartition, LayoutRow) { [PartitionsProperty] = layout.Partitions }, cancellationToken);
                return layout;
            }
            catch (RequestFailedException ex) when (ex.Status == 409 && attempt < 3)
            {
                // Another silo recorded it first: read what it chose.
            }
        }
    }
}
