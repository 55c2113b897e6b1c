using CommunityScale.Errors;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace CommunityScale.Gamification;

[GenerateSerializer, Alias("cs.LeaderboardShardState")]
public sealed class LeaderboardShardState
{
    [Id(0)] public Dictionary<string, LeaderboardEntry> Entries { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The entries of the shards this board had before it had fewer (a channel's board had 16) are in here.</summary>
    [Id(1)] public bool LegacyMerged { get; set; }
}

/// <summary>
/// A shard of a board: its members' totals, kept sorted in memory. Writes are absolute totals from the members' points
/// grains (gathered per silo), so replays are harmless; the state is written behind, at most once a minute (a board is
/// derived data: a lost update is put right by the member's next award). At the old one-second period, 100 busy communities' shards made
/// more writes than their messages did (1,467 board writes to 1,146 messages in 8 s of the many-channels benchmark).
/// A board that now has fewer shards than it was written with (a channel's: 16, now <see cref="Leaderboards.ChannelShards"/>)
/// takes in the entries of its former shards before its first read, erasure included: each former shard's members hash to
/// the shard it folds into (shard k's to k mod the new count), and an entry set since the change is newer than one there.
/// </summary>
public sealed partial class LeaderboardShardGrain(
    [PersistentState("board", StorageNames.Main)] IPersistentState<LeaderboardShardState> state,
    ILogger<LeaderboardShardGrain> logger) : Grain, ILeaderboardShardGrain
{
    private static readonly IComparer<LeaderboardEntry> Order = Comparer<LeaderboardEntry>.Create(Leaderboards.Compare);
    // Boards are derived (every award sets the member's absolute total again), and a busy community has thousands of
    // shards (one set per channel board): written at most once a minute, a lost minute is put right by the next awards.
    private static readonly TimeSpan WritePeriod = TimeSpan.FromSeconds(60);
    private readonly SortedSet<LeaderboardEntry> _sorted = new(Order);
    private readonly Privacy.RecentErasures<bool> _removed = new();
    private readonly StateWriter<LeaderboardShardState> _writer = new(state);
    private WriteBehind? _writeBehind;
    // The former shards of a board that had more (a channel's had 16) that fold into this one, until merged; else empty.
    private IReadOnlyList<ILeaderboardShardGrain> _former = [];

    private WriteBehind Writes => _writeBehind ??= new(this, _ => _writer.Write(), ex => LogFlushFailed(logger, ex, this.GetPrimaryKeyString()), WritePeriod);

    private LeaderboardShardState S => _writer.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in S.Entries.Values)
        {
            _sorted.Add(entry);
        }

        var key = BoardShardKey.Parse(this.GetPrimaryKeyString());
        var shards = Leaderboards.ShardsOf(key.Board.Board);
        if (!S.LegacyMerged && shards < Leaderboards.Shards && key.Shard < shards)
        {
            _former = [.. Enumerable.Range(shards, Leaderboards.Shards - shards).Where(k => k % shards == key.Shard).Select(k => GrainFactory.LeaderboardShard(key.Board.Shard(k)))];
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Writes.Flush(cancellationToken);

    public Task SetMany(IReadOnlyList<LeaderboardEntry> entries)
    {
        foreach (var entry in entries)
        {
            Apply(entry.UserId, entry.DisplayName, entry.Points);
        }

        return Task.CompletedTask;
    }

    private void Apply(string userId, string displayName, long points)
    {
        // Totals gathered on a silo before the erasure (GatheredUpdates) may arrive after it: they must not bring the member back.
        if (_removed.TryGet(userId, out _))
        {
            return;
        }

        if (S.Entries.TryGetValue(userId, out var old))
        {
            if (old.Points == points && old.DisplayName == displayName)
            {
                return;
            }

            _sorted.Remove(old);
        }

        var entry = new LeaderboardEntry(0, userId, displayName, points);
        S.Entries[userId] = entry;
        _sorted.Add(entry);
        Writes.Changed();
    }

    public async Task Remove(string userId)
    {
        await MergeLegacy();
        _removed.Add(userId, true);
        if (S.Entries.Remove(userId, out var old))
        {
            _sorted.Remove(old);
            // An erasure, not a score: written now rather than behind (and again behind if this write fails).
            await Writes.WriteNow();
        }
    }

    public async Task<IReadOnlyList<LeaderboardEntry>> Top(int count)
    {
        await MergeLegacy();
        return [.. _sorted.Take(count)];
    }

    public async Task<int> Count()
    {
        await MergeLegacy();
        return _sorted.Count;
    }

    public async Task<(LeaderboardEntry? Mine, long Above)> Standing(string userId, long points)
    {
        await MergeLegacy();
        var probe = new LeaderboardEntry(0, userId, "", points);
        long above = 0;
        foreach (var entry in _sorted)
        {
            if (Order.Compare(entry, probe) >= 0)
            {
                break;
            }

            above++;
        }

        return (S.Entries.GetValueOrDefault(userId), above);
    }

    public async Task DropLegacy()
    {
        // Emptied here first: a write behind still due at deactivation then stores nothing an erasure could miss.
        S.Entries.Clear();
        _sorted.Clear();
        await _writer.Clear();
        DeactivateOnIdle();
    }

    /// <summary>
    /// Once per board shard, before anything reads it: the entries of the former shards that fold into this one. Stored
    /// here first, then dropped there, so a crash between leaves them in both (read from here) rather than in neither. A
    /// board that never had other shards (every channel board since) finds them empty: nothing is dropped, and the mark
    /// rides the next write behind.
    /// </summary>
    private async Task MergeLegacy()
    {
        if (_former.Count == 0)
        {
            return;
        }

        var former = _former;
        var held = await Task.WhenAll(former.Select(f => f.Top(int.MaxValue)));
        foreach (var entry in held.SelectMany(entries => entries).Where(e => !S.Entries.ContainsKey(e.UserId)))
        {
            Apply(entry.UserId, entry.DisplayName, entry.Points);
        }

        S.LegacyMerged = true;
        _former = [];
        var holding = former.Where((_, i) => held[i].Count > 0).ToList();
        if (holding.Count == 0)
        {
            Writes.Changed();
            return;
        }

        await Writes.WriteNow();
        await Task.WhenAll(holding.Select(f => f.DropLegacy()));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing leaderboard shard {Shard} failed; will retry")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, string shard);
}

/// <summary>Merges a board's shards for a page or a member's rank. Stateless, so reads spread over silos.</summary>
[StatelessWorker]
public sealed class LeaderboardGrain : Grain, ILeaderboardGrain
{
    private BoardKey Key => BoardKey.Parse(this.GetPrimaryKeyString());

    public async Task<LeaderboardPage> Page(int offset, int limit)
    {
        if (offset < 0 || limit < 1 || offset + limit > Leaderboards.MaxRead)
        {
            throw CommunityException.Invalid($"offset + limit must be at most {Leaderboards.MaxRead}, limit at least 1.");
        }

        var shards = await Task.WhenAll(Shards().Select(s => s.Top(offset + limit)));
        var members = (await Task.WhenAll(Shards().Select(s => s.Count()))).Sum();
        var merged = shards.SelectMany(s => s).ToList();
        merged.Sort(Leaderboards.Compare);
        return new LeaderboardPage(Key.Board, [.. merged.Skip(offset).Take(limit).Select((e, i) => e with { Rank = offset + i + 1 })], members);
    }

    public async Task<LeaderboardEntry?> Me(string userId)
    {
        var (mine, _) = await ShardGrain(Leaderboards.ShardOf(Key.Board, userId)).Standing(userId, 0);
        if (mine is null)
        {
            return null;
        }

        var standings = await Task.WhenAll(Shards().Select(s => s.Standing(userId, mine.Points)));
        return mine with { Rank = standings.Sum(s => s.Above) + 1 };
    }

    private ILeaderboardShardGrain ShardGrain(int shard) => GrainFactory.LeaderboardShard(Key.Shard(shard));

    private IEnumerable<ILeaderboardShardGrain> Shards() => Enumerable.Range(0, Leaderboards.ShardsOf(Key.Board)).Select(ShardGrain);
}
