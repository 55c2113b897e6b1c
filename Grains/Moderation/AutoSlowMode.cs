namespace CommunityScale.Moderation;

/// <summary>What the controller wants done with automatic slow mode.</summary>
public enum AutoSlowModeChange
{
    None,
    TurnOn,
    TurnOff,
}

/// <summary>
/// Automatic slow mode for one channel: when more than <c>threshold</c> messages arrive within <see cref="Window"/>,
/// slow mode switches on; once the rate has stayed under half the threshold for <see cref="CoolDown"/>, it switches off.
/// Pure and single-threaded (the channel grain owns it); a threshold of 0 disables it.
/// </summary>
public sealed class AutoSlowModeController(int threshold)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan CoolDown = TimeSpan.FromSeconds(60);

    private readonly Queue<DateTimeOffset> _recent = new();
    private DateTimeOffset? _calmSince;

    public bool Active { get; private set; }

    /// <summary>Messages within <see cref="Window"/> that switch slow mode on (0: never).</summary>
    public int Threshold => threshold;

    public int RecentMessages => _recent.Count;

    /// <summary>A message was accepted at <paramref name="now"/>.</summary>
    public AutoSlowModeChange MessageAccepted(DateTimeOffset now)
    {
        if (threshold <= 0)
        {
            return AutoSlowModeChange.None;
        }

        _recent.Enqueue(now);
        return Evaluate(now);
    }

    /// <summary>Time passed (called periodically while active, so a quiet channel is released).</summary>
    public AutoSlowModeChange Evaluate(DateTimeOffset now)
    {
        if (threshold <= 0)
        {
            return Active ? Release() : AutoSlowModeChange.None;
        }

        while (_recent.Count > 0 && now - _recent.Peek() > Window)
        {
            _recent.Dequeue();
        }

        if (!Active)
        {
            if (_recent.Count > threshold)
            {
                Active = true;
                _calmSince = null;
                return AutoSlowModeChange.TurnOn;
            }

            return AutoSlowModeChange.None;
        }

        if (_recent.Count * 2 >= threshold)
        {
            _calmSince = null;
            return AutoSlowModeChange.None;
        }

        _calmSince ??= now;
        return now - _calmSince.Value >= CoolDown ? Release() : AutoSlowModeChange.None;
    }

    private AutoSlowModeChange Release()
    {
        Active = false;
        _calmSince = null;
        return AutoSlowModeChange.TurnOff;
    }
}
