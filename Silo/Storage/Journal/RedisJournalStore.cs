using System.Net;
using CommunityScale.Chat;
using CommunityScale.Chat.Journal;
using CommunityScale.Errors;
using StackExchange.Redis;

namespace CommunityScale.Silo.Storage.Journal;

/// <summary>
/// The chat journal in Redis: one hash per channel, <c>{serviceId}/journal/{channel}</c>, whose fields are the seqs (as
/// decimal strings) and whose values are the rows' bytes. Redis needs no partitions to batch, so the partition is
/// ignored; a call's rows go out in one pipelined round trip whatever their channels.
/// </summary>
public sealed class RedisJournalStore : IJournalStore, IDisposable
{
    /// <summary>
    /// An insert that found a row in the way and then found it gone (a concurrent Delete) tries again; a row cannot
    /// keep vanishing, so a few rounds suffice.
    /// </summary>
    private const int MaxInsertRounds = 4;

    private readonly ConfigurationOptions _configuration;
    private readonly string _keyPrefix;
    private readonly string _endpoints;
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _connection;
    private bool _disposed;

    /// <summary>The store for the Redis at <paramref name="redisConnectionString"/>; it connects on first use.</summary>
    public RedisJournalStore(string redisConnectionString, string serviceId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(redisConnectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        _configuration = RedisConnections.Options(redisConnectionString);
        _configuration.SetDefaultPorts();
        _keyPrefix = $"{serviceId}/journal/";

        // Only host and port: the connection string may carry a password.
        _endpoints = string.Join(", ", _configuration.EndPoints.Select(e => e switch
        {
            DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
            _ => e.ToString(),
        }));
    }

    public async Task<IReadOnlyList<bool>> Insert(int partition, IReadOnlyList<JournalRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var stored = new bool[rows.Count];
        List<int> pending = [.. Enumerable.Range(0, rows.Count)];
        for (var round = 0; pending.Count > 0; round++)
        {
            if (round == MaxInsertRounds)
            {
                throw new InvalidOperationException(
                    $"Inserting journal rows kept failing on rows that were deleted as soon as they were found (first: seq {rows[pending[0]].Seq} of channel '{rows[pending[0]].Channel}').");
            }

            var added = await Guard(database => Pipelined(database, pending,
                (batch, i) => batch.HashSetAsync(KeyOf(rows[i].Channel), rows[i].Seq, rows[i].Data, When.NotExists)), "insert journal rows");
            List<int> taken = [.. pending.Where((_, k) => !added[k])];
            foreach (var i in pending.Where((_, k) => added[k]))
            {
                stored[i] = true;
            }

            if (taken.Count == 0)
            {
                break;
            }

            var held = await Guard(database => Pipelined(database, taken,
                (batch, i) => batch.HashGetAsync(KeyOf(rows[i].Channel), rows[i].Seq)), "read journal rows");
            pending = [];
            for (var k = 0; k < taken.Count; k++)
            {
                if (held[k].IsNull)
                {
                    pending.Add(taken[k]);
                }
                else
                {
                    stored[taken[k]] = ((ReadOnlyMemory<byte>)held[k]).Span.SequenceEqual(rows[taken[k]].Data.Span);
                }
            }
        }

        return stored;
    }

    public async Task Replace(int partition, IReadOnlyList<JournalRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return;
        }

        await Guard(database => Pipelined(database, [.. Enumerable.Range(0, rows.Count)],
            (batch, i) => batch.HashSetAsync(KeyOf(rows[i].Channel), rows[i].Seq, rows[i].Data)), "replace journal rows");
    }

    public async Task<IReadOnlyList<JournalRow>> Read(int partition, ChannelKey channel, long afterSeq)
    {
        var entries = await Guard(database => database.HashGetAllAsync(KeyOf(channel)), "read the journal");
        var rows = new List<JournalRow>(entries.Length);
        foreach (var entry in entries)
        {
            if (entry.Name.TryParse(out long seq) && seq > afterSeq)
            {
                rows.Add(new JournalRow(channel, seq, (byte[])entry.Value!));
            }
        }

        rows.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        return rows;
    }

    public async Task Delete(int partition, ChannelKey channel, long throughSeq)
    {
        var key = KeyOf(channel);
        var fields = await Guard(database => database.HashKeysAsync(key), "find journal rows to delete");
        RedisValue[] doomed = [.. fields.Where(f => f.TryParse(out long seq) && seq <= throughSeq)];
        if (doomed.Length > 0)
        {
            await Guard(database => database.HashDeleteAsync(key, doomed), "delete journal rows");
        }
    }

    public void Dispose()
    {
        Task<ConnectionMultiplexer>? connection;
        lock (_gate)
        {
            _disposed = true;
            connection = _connection;
            _connection = null;
        }

        if (connection is { IsCompletedSuccessfully: true })
        {
            connection.Result.Dispose();
        }
        else if (connection is not null)
        {
            _ = DisposeOnceConnected(connection);
        }
    }

    private static async Task DisposeOnceConnected(Task<ConnectionMultiplexer> connecting)
    {
        try
        {
            (await connecting).Dispose();
        }
        catch (StorageUnavailableException)
        {
            // It never connected: nothing to close.
        }
    }

    private RedisKey KeyOf(ChannelKey channel) => _keyPrefix + channel.ToString();

    /// <summary>One command per row, sent together as one batch: one round trip however many rows and channels.</summary>
    private static Task<T[]> Pipelined<T>(IDatabase database, List<int> indices, Func<IBatch, int, Task<T>> command)
    {
        var batch = database.CreateBatch();
        var replies = new Task<T>[indices.Count];
        for (var k = 0; k < indices.Count; k++)
        {
            replies[k] = command(batch, indices[k]);
        }

        batch.Execute();
        return Task.WhenAll(replies);
    }

    /// <summary>Runs a command on the shared connection; a connection that fails or times out becomes one clear exception.</summary>
    private async Task<T> Guard<T>(Func<IDatabase, Task<T>> call, string what)
    {
        var connection = await Connection();
        try
        {
            return await call(connection.GetDatabase());
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            throw Unreachable(what, ex);
        }
    }

    /// <summary>
    /// The one multiplexer, connected on first use. A failed connect is forgotten so the next call tries again (the
    /// multiplexer reconnects by itself only once it has connected).
    /// </summary>
    private Task<ConnectionMultiplexer> Connection()
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is { IsCompletedSuccessfully: true })
        {
            return connection;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is null || _connection.IsFaulted || _connection.IsCanceled)
            {
                _connection = Connect();
            }

            return _connection;
        }
    }

    private async Task<ConnectionMultiplexer> Connect()
    {
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(_configuration);
        }
        catch (RedisConnectionException ex)
        {
            throw Unreachable("connect", ex);
        }
    }

    private StorageUnavailableException Unreachable(string what, Exception ex) =>
        new($"Redis at {_endpoints} is unreachable: could not {what} ({ex.Message}).");
}
