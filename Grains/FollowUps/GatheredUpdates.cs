using System.Runtime.InteropServices;
using System.Threading.Channels;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Integrations;
using CommunityScale.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.FollowUps;

/// <summary>
/// What grains tell derived views, best effort: the members' totals on the boards (absolute, so the latest wins; from the
/// points grains after a stored award), the CRM change feed's marks (from the points and member grains) and the members'
/// activity for the KPIs' week buckets (additive deltas, from the points grains). One per silo: everything its grains send
/// within <see cref="PointsOptions.BoardDelay"/> goes as one call per board shard, one per community's feed and one per
/// KPI week: a community's shards, feed and week bucket take a call per silo and delay however many members chat, where
/// sent one by one every author's every write called each of them. A silo that dies loses what is gathering, as it lost
/// the one-way calls in flight before: the member's next award puts the boards right, a lost KPI delta stays uncounted
/// (derived figures; never an award). A silo that stops flushes at its stop (<see cref="Participate"/>). One flush at
/// a time, so a later total never overtakes an earlier one.
/// </summary>
public sealed partial class GatheredUpdates : IAsyncDisposable, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly IGrainFactory _grains;
    private readonly TimeSpan _delay;
    private readonly ILogger<GatheredUpdates> _logger;
    private readonly Lock _lock = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly Task _loop;
    private Dictionary<BoardShardKey, Dictionary<string, LeaderboardEntry>> _boards = [];
    private Dictionary<string, HashSet<string>> _touched = new(StringComparer.Ordinal);
    private Dictionary<KpiWeekKey, List<KpiMemberActivity>> _activity = [];

    public GatheredUpdates(IGrainFactory grains, IOptions<PointsOptions> options, ILogger<GatheredUpdates> logger)
    {
        (_grains, _delay, _logger) = (grains, options.Value.BoardDelay, logger);
        _loop = Task.Run(Run);
    }

    /// <summary>The member's total on one board (replacing any total still waiting for that board).</summary>
    public void Set(string communityId, string board, string userId, string displayName, long points)
    {
        var shard = Leaderboards.ShardKey(communityId, board, userId);
        lock (_lock)
        {
            (CollectionsMarshal.GetValueRefOrAddDefault(_boards, shard, out _) ??= new(StringComparer.Ordinal))[userId] =
                new LeaderboardEntry(0, userId, displayName, points);
        }

        _wake.Writer.TryWrite(true);
    }

    /// <summary>The member changed: they reappear in the community's change feed.</summary>
    public void Touch(string communityId, string userId)
    {
        lock (_lock)
        {
            (CollectionsMarshal.GetValueRefOrAddDefault(_touched, communityId, out _) ??= new(StringComparer.Ordinal)).Add(userId);
        }

        _wake.Writer.TryWrite(true);
    }

    /// <summary>A member's activity for the community's KPIs (added to what their bucket counts, never replacing it).</summary>
    public void Record(string communityId, KpiMemberActivity activity)
    {
        var week = new KpiWeekKey(communityId, KpiMath.Week(activity.Day));
        lock (_lock)
        {
            (CollectionsMarshal.GetValueRefOrAddDefault(_activity, week, out _) ??= []).Add(activity);
        }

        _wake.Writer.TryWrite(true);
    }

    /// <summary>Drops what is still waiting for an erased member, so it cannot bring them back after the erasure.</summary>
    public void Forget(string communityId, string userId)
    {
        lock (_lock)
        {
            foreach (var (shard, entries) in _boards)
            {
                if (shard.Board.CommunityId == communityId)
                {
                    entries.Remove(userId);
                }
            }

            if (_touched.TryGetValue(communityId, out var users))
            {
                users.Remove(userId);
            }

            foreach (var (week, activities) in _activity)
            {
                if (week.CommunityId == communityId)
                {
                    activities.RemoveAll(a => a.UserId == userId);
                }
            }
        }
    }

    private async Task Run()
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(_stop.Token))
            {
                _wake.Reader.TryRead(out _);
                await Task.Delay(_delay, _stop.Token);
                await Flush();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Shutting down: DisposeAsync sends what is left.
        }
    }

    /// <summary>
    /// Sends everything waiting now (one call per shard, per feed and per KPI week) and waits for the boards' and feeds'
    /// answers (the KPI weeks' calls are one-way); one flush at a time.
    /// </summary>
    public async Task Flush()
    {
        await _flushing.WaitAsync();
        try
        {
            Dictionary<BoardShardKey, Dictionary<string, LeaderboardEntry>> boards;
            Dictionary<string, HashSet<string>> touched;
            Dictionary<KpiWeekKey, List<KpiMemberActivity>> activity;
            lock (_lock)
            {
                (boards, _boards) = (_boards, []);
                (touched, _touched) = (_touched, new(StringComparer.Ordinal));
                (activity, _activity) = (_activity, []);
            }

            var calls = boards.Where(b => b.Value.Count > 0).Select(b => Send(b.Key.ToString(), () => _grains.LeaderboardShard(b.Key).SetMany([.. b.Value.Values])))
                .Concat(touched.Where(t => t.Value.Count > 0).Select(t => Send(t.Key, () => _grains.ByKey<IMemberChangeFeedGrain>(t.Key).TouchMany([.. t.Value]))))
                .Concat(activity.Where(a => a.Value.Count > 0).Select(a => Send(a.Key.ToString(), () => _grains.KpiWeek(a.Key).RecordMany(a.Value))));
            await Task.WhenAll(calls);
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task Send(string target, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogSendFailed(_logger, ex, target);
        }
    }

    /// <summary>
    /// At the silo's stop, what is gathering goes where it can still arrive: after the silo's grains have deactivated (the
    /// points grains' last windows are gathered by then) and before its messaging stops. Disposal comes after both, too
    /// late for the KPI deltas, which no later award puts right as it does a board's total.
    /// </summary>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(GatheredUpdates), ServiceLifecycleStage.ApplicationServices, _ => Task.CompletedTask, stopping => FlushLast(Task.CompletedTask, stopping));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await FlushLast(_loop, CancellationToken.None);
    }

    /// <summary>
    /// What is gathering goes once <paramref name="after"/> ends, if the cluster still answers, within 5 s: a call to a silo
    /// that is gone would wait for its response timeout. Cut short, the boards are put right by the members' next awards;
    /// KPI deltas still waiting are lost (derived figures).
    /// </summary>
    private async Task FlushLast(Task after, CancellationToken cancellationToken)
    {
        try
        {
            await after.ContinueWith(_ => Flush(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap()
                .WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            LogLastFlushCutShort(_logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending the last gathered board totals, feed marks and KPI deltas was cut short")]
    private static partial void LogLastFlushCutShort(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending gathered board totals, change-feed marks or KPI activity to {Target} failed; the members' next awards put the boards right, the lost activity stays uncounted")]
    private static partial void LogSendFailed(ILogger logger, Exception ex, string target);
}
