namespace CommunityScale.TestSupport;

/// <summary>
/// Real time plus an offset a test moves forward: community time jumps (a session is about to start, a week passes)
/// while timers and delays still run in real time. <see cref="Freeze"/> stops real time from adding to it, for a
/// script whose durations are asserted to the second. Registered as the silo's domain clock only, never Orleans' own.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private readonly Lock _gate = new();
    private TimeSpan _offset;
    private DateTimeOffset? _frozenAt;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return (_frozenAt ?? base.GetUtcNow()) + _offset;
        }
    }

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        lock (_gate)
        {
            _offset += by;
        }
    }

    /// <summary>
    /// Moves to the first <paramref name="day"/> at <paramref name="time"/> (UTC) at least <paramref name="daysAhead"/>
    /// days after today, so a script's weekdays and ISO weeks are known; returns that instant.
    /// </summary>
    public DateTimeOffset AdvanceTo(DayOfWeek day, TimeOnly time, int daysAhead)
    {
        var now = GetUtcNow();
        var date = DateOnly.FromDateTime(now.UtcDateTime).AddDays(daysAhead);
        while (date.DayOfWeek != day)
        {
            date = date.AddDays(1);
        }

        var target = new DateTimeOffset(date.ToDateTime(time), TimeSpan.Zero);
        Advance(target - now);
        return target;
    }

    /// <summary>Stops the clock until the returned handle is disposed; then it runs on from where it stood (never back).</summary>
    public IDisposable Freeze()
    {
        lock (_gate)
        {
            _frozenAt = base.GetUtcNow();
        }

        return new Thaw(this);
    }

    private sealed class Thaw(ShiftedClock clock) : IDisposable
    {
        public void Dispose()
        {
            lock (clock._gate)
            {
                // The time spent frozen is taken out of the offset, so the clock neither jumps nor goes back.
                clock._offset -= clock.GetRealNow() - clock._frozenAt!.Value;
                clock._frozenAt = null;
            }
        }
    }

    private DateTimeOffset GetRealNow() => base.GetUtcNow();
}
