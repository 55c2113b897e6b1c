using System.Collections.Concurrent;
using System.Text;
using Orleans.Serialization;
using Orleans.Storage;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// In-memory grain storage that keeps every record as the bytes Orleans serializes (strings are UTF-8 in them), so a
/// test can search everything stored for a string: the proof that an erasure left no trace of a member. Writes check
/// the version they read (optimistic concurrency), so a grain that lets two of its writes overlap fails here too.
/// </summary>
public sealed class InspectableGrainStorage(Serializer serializer) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string State, GrainId Grain), (byte[] Bytes, string ETag)> _records = new();

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_records.TryGetValue((stateName, grainId), out var record))
        {
            grainState.State = serializer.Deserialize<T>(record.Bytes);
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // As Azure Table and Redis do: a write names the version it read, and loses to any write that landed since. The
        // version is taken first and checked a moment later, as a real store's round trip would, so two writes of one
        // grain that overlap in time conflict here as they would there.
        var expected = grainState.ETag;
        var bytes = serializer.SerializeToArray(grainState.State);
        await Task.Delay(1);
        var etag = Guid.NewGuid().ToString("n");
        lock (_records)
        {
            var current = _records.TryGetValue((stateName, grainId), out var record) ? record.ETag : null;
            if (current != expected)
            {
                throw new InconsistentStateException($"{stateName}@{grainId} was written meanwhile", current, expected);
            }

            _records[(stateName, grainId)] = (bytes, etag);
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _records.TryRemove((stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    /// <summary>The stored size of a record named as <see cref="Find"/> names it (<c>state@grain</c>), or null if none is stored.</summary>
    public int? SizeOf(string record) =>
        _records.Where(r => $"{r.Key.State}@{r.Key.Grain}" == record).Select(r => (int?)r.Value.Bytes.Length).FirstOrDefault();

    /// <summary>Every stored record whose grain id or contents contain <paramref name="text"/> (ordinal), as <c>state@grain</c>.</summary>
    public IReadOnlyList<string> Find(string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        return [.. _records
            .Where(r => r.Key.Grain.ToString().Contains(text, StringComparison.Ordinal) || r.Value.Bytes.AsSpan().IndexOf(needle) >= 0)
            .Select(r => $"{r.Key.State}@{r.Key.Grain}")];
    }
}
