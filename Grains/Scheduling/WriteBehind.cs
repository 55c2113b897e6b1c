namespace CommunityScale.Scheduling;

/// <summary>
/// State written behind: after a change, at most once a period (a second unless told; on a grain timer), and on
/// deactivation. For data that is derived or re-sent by its source (boards, change-feed marks, directory summaries,
/// figures, KPI buckets, members' activity counts), where a write per update would cost more than the update. A failed
/// write keeps the state dirty, so the next tick retries.
/// </summary>
public sealed class WriteBehind(IGrainBase grain, Func<CancellationToken, Task> write, Action<Exception> onFailure, TimeSpan? period = null)
{
    private readonly TimeSpan _period = period ?? TimeSpan.FromSeconds(1);
    private bool _dirty;
    private IGrainTimer? _timer;

    /// <summary>Marks the state changed and makes sure a flush is coming.</summary>
    public void Changed()
    {
        _dirty = true;
        EnsureTimer();
    }

    /// <summary>Writes if changed; a failure is reported and retried on the next tick, never thrown.</summary>
    public async Task Flush(CancellationToken cancellationToken)
    {
        if (!_dirty)
        {
            // Nothing waits: no timer ticks for a grain that stopped changing (one per active author otherwise).
            _timer?.Dispose();
            _timer = null;
            return;
        }

        try
        {
            await WriteNow(cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            onFailure(ex);
        }
    }

    /// <summary>Writes now (for a change the caller must not acknowledge before it is stored); a failure is thrown, and the state stays dirty.</summary>
    public async Task WriteNow(CancellationToken cancellationToken = default)
    {
        _dirty = false;
        try
        {
            await write(cancellationToken);
        }
        catch
        {
            // Retried behind as well, so a failed immediate write does not wait for the next change.
            _dirty = true;
            EnsureTimer();
            throw;
        }
    }

    // The first tick comes a little early at random, so grains that changed together do not write together forever.
    private void EnsureTimer() => _timer ??= grain.RegisterGrainTimer(Flush, new GrainTimerCreationOptions(Jitter.Below(_period), _period));
}
