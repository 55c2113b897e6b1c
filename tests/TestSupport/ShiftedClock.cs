namespace CommunityScale.TestSupport;

/// <summary>
/// Real time plus an offset a test moves forward: community time jumps (a session is about to start, a week passes)
/// while timers and delays still run in real time. Registered as the silo's domain clock only, never Orleans' own.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
