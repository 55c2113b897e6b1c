namespace CommunityScale.Scheduling;

/// <summary>
/// State written behind: after a change, at most once a period (a second unless told; on a one-shot grain timer), and on
/// deactivation. For data that is derived or re-sent by its source (boards, change-feed marks, directory summaries,
/// figures, KPI buckets, members' activity counts), where a write per update would cost more than the update. A failed
/// write keeps the state dirty, so the next tick retries.
/// </summary>
public sealed class WriteBehind(IGrainBase grain, Func<CancellationToken, Task> write, Action<Exception> onFailure, TimeSpan? period = null)
{
    private readonly TimeSpan _period = period ?? TimeSpan.FromSeconds(1);
    private bool _dirty;
    private IGrainTimer? _timer;
    private long _lastWriteAt = long.MinValue;

    /// <summary>Marks the state changed and makes sure a flush is coming.</summary>
    public void Changed()
    {
        _dirty = true;
        EnsureTimer();
    }

    /// <summary>Writes if changed; a failure is reported and retried on the next tick, never thrown.</summary>
    public async Task Flush(CancellationToken cancellationToken)
    {
        // One tick per write: a periodic timer also ticked once more, for nothing, after every grain's last change (a
        // grain call each, 0.5 per message in the many-channels benchmark). The next change arms it again. The timer is
        // let go of now (a change during the write arms a new one) but disposed only after the write: disposing an
        // Orleans grain timer cancels the token its running tick was given, so a write that honoured that token
        // (the KPI bucket's) failed every time and was retried every period for as long as the grain lived.
        var tick = _timer;
        _timer = null;
        try
        {
            if (_dirty)
            {
                await WriteTiming.Unhurried(() => WriteNow(cancellationToken));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            onFailure(ex);
        }
        finally
        {
            tick?.Dispose();
        }
    }

    /// <summary>Writes now (for a change the caller must not acknowledge before it is stored); a failure is thrown, and the state stays dirty.</summary>
    public async Task WriteNow(CancellationToken cancellationToken = default)
    {
        _dirty = false;
        _lastWriteAt = Environment.TickCount64;
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

    // A period after the last write (at most once a period); after a quiet spell a little early at random, so grains that
    // changed together do not write together forever.
    private void EnsureTimer()
    {
        if (_timer is not null)
        {
            return;
        }

        var sinceWrite = _lastWriteAt == long.MinValue ? TimeSpan.MaxValue : TimeSpan.FromMilliseconds(Environment.TickCount64 - _lastWriteAt);
        var due = sinceWrite >= _period ? Jitter.Below(_period) : _period - sinceWrite;
        _timer = grain.RegisterGrainTimer(Flush, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan));
    }
}
