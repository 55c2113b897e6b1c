using Microsoft.Extensions.Logging;

namespace CommunityScale.FollowUps;

/// <summary>The follow-ups a grain still owes, stored inside the grain's own state.</summary>
[GenerateSerializer, Alias("cs.OutboxState")]
public sealed class OutboxState
{
    /// <summary>The number of the last follow-up recorded; numbers are never reused, so ids stay unique.</summary>
    [Id(0)] public long LastNumber { get; set; }

    /// <summary>Oldest first; delivered in this order.</summary>
    [Id(1)] public List<FollowUp> Pending { get; set; } = [];
}

/// <summary>
/// A grain's durable outbox. The grain records follow-ups (<see cref="Add"/>) in its state next to the change that
/// caused them and stores both in one write (<see cref="Store"/>); only then are they delivered, in order, one at a time,
/// each removed once its receiver has it. A failed delivery waits (doubling from <see cref="OutboxOptions.RetryDelay"/>)
/// on a grain timer and stops the ones behind it, so a receiver sees them in the order they happened. An Orleans
/// reminder, registered before the first write that records anything in an activation, brings the grain back if its
/// silo dies with follow-ups undelivered; it is dropped when the grain leaves with nothing owed. At least once: a crash
/// after a delivery and before its removal is stored repeats it, which idempotent receivers ignore.
/// </summary>
public sealed partial class Outbox(Grain grain, IGrainFactory grains, Func<OutboxState> state, Func<Task> write, OutboxOptions options, ILogger logger)
{
    public const string ReminderName = "outbox";

    private Task _delivering = Task.CompletedTask;
    private long _storedThrough;
    // The reminder registration this activation relies on (null: not known to exist); reminder calls never overlap.
    private Task? _armed;
    private Task _reminderCalls = Task.CompletedTask;
    private IGrainTimer? _retry;
    private TimeSpan _backoff = options.RetryDelay;

    private OutboxState S => state();

    private string Owner => grain.GetGrainId().ToString();

    /// <summary>Whether anything recorded is still undelivered.</summary>
    public bool HasPending => S.Pending.Count > 0;

    /// <summary>Something else the grain owes that its reminder must bring it back for (a channel's award cursor behind).</summary>
    public Func<bool>? AlsoOwed { get; init; }

    /// <summary>What else the reminder's tick should resume (a channel hands its waiting awards over).</summary>
    public Action? OnTick { get; init; }

    /// <summary>
    /// Called when <see cref="Store"/>'s write fails, before the failure is thrown: grains pass <c>DeactivateOnIdle</c>, so
    /// memory never runs ahead of storage (the next call reads what was stored, and an unstored change is not seen as done).
    /// </summary>
    public Action? WriteFailed { get; init; }

    /// <summary>
    /// How the mark that follow-ups were delivered is stored (default: the grain's write, at once). A grain that writes
    /// often anyway may let the mark ride on its next write: until then a crash only re-delivers them, which receivers
    /// ignore.
    /// </summary>
    public Func<Task>? WriteDeliveredMark { get; init; }

    /// <summary>Awaited before each delivery pass (a channel's award round in flight: a take-back must not overtake its award).</summary>
    public Func<Task>? BeforeDelivery { get; init; }

    private bool Owed => S.Pending.Count > 0 || AlsoOwed?.Invoke() == true;

    /// <summary>Records a follow-up (a null one is skipped); it goes out after the next <see cref="Store"/>.</summary>
    public FollowUp? Add(FollowUp? followUp)
    {
        if (followUp is null)
        {
            return null;
        }

        var number = ++S.LastNumber;
        var recorded = followUp with { Id = $"{Owner}#{number}", Number = number };
        S.Pending.Add(recorded);
        return recorded;
    }

    /// <summary>Records each (skipping nulls) and returns what was recorded, for <see cref="Discard"/>.</summary>
    public IReadOnlyList<FollowUp> AddRange(IEnumerable<FollowUp?> followUps)
    {
        var recorded = new List<FollowUp>();
        foreach (var followUp in followUps)
        {
            if (Add(followUp) is { } added)
            {
                recorded.Add(added);
            }
        }

        return recorded;
    }

    /// <summary>Forgets follow-ups recorded with a change whose write failed (the change was undone, so nothing is owed).</summary>
    public void Discard(IReadOnlyList<FollowUp> followUps)
    {
        var numbers = followUps.Select(f => f.Number).ToHashSet();
        S.Pending.RemoveAll(f => numbers.Contains(f.Number));
    }

    /// <summary>
    /// Stores the grain's state with what was recorded so far, then starts delivering it. Use it instead of the grain's
    /// plain write wherever follow-ups may have been recorded: nothing is delivered before it is stored.
    /// </summary>
    public async Task Store()
    {
        var upTo = S.LastNumber;
        if (Owed)
        {
            await EnsureArmed();
        }

        try
        {
            await write();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            WriteFailed?.Invoke();
            throw;
        }

        _storedThrough = Math.Max(_storedThrough, upTo);
        Kick();
    }

    /// <summary>How long an answer waits for the follow-ups its caller expects with it (<see cref="Settled"/>).</summary>
    public static readonly TimeSpan AnswerWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Waits (at most <see cref="AnswerWait"/>) until a stored follow-up, and so every one recorded before it, has been
    /// delivered: for a change whose caller must find it done when answered (a removed post's files no longer served, a
    /// moderator's audit entry, a member's notice). Never throws: what is still owed goes out later.
    /// </summary>
    public Task Settled(FollowUp? followUp) => followUp is null ? Task.CompletedTask : SettledThrough(followUp.Number);

    /// <summary>As <see cref="Settled"/>, for everything recorded so far.</summary>
    public Task SettledAll() => SettledThrough(S.LastNumber);

    /// <summary>Records follow-ups, stores them with the state, and waits for them as <see cref="Settled"/> does.</summary>
    public async Task StoreAndWait(params IEnumerable<FollowUp?> followUps)
    {
        var recorded = AddRange(followUps);
        await Store();
        // Delivered in order: once the last is out, so are the ones before it.
        await Settled(recorded.Count > 0 ? recorded[^1] : null);
    }

    private async Task SettledThrough(long number)
    {
        var deadline = DateTime.UtcNow + AnswerWait;
        while (S.Pending.Count > 0 && S.Pending[0].Number <= number && DateTime.UtcNow < deadline)
        {
            Kick();
            await Task.WhenAny(_delivering, Task.Delay(TimeSpan.FromMilliseconds(20)));
        }
    }

    /// <summary>On activation: what storage holds was stored, so it goes out now.</summary>
    public void Activated()
    {
        _storedThrough = S.LastNumber;
        Kick();
    }

    /// <summary>The reminder's tick: deliver, or drop the reminder once nothing is owed.</summary>
    public async Task Tick()
    {
        _armed ??= Task.CompletedTask;
        if (Owed)
        {
            OnTick?.Invoke();
            Kick();
            return;
        }

        await Disarm();
    }

    /// <summary>On deactivation: deliver what can be in the time given; keep the reminder only if something is left.</summary>
    public async Task Deactivating(CancellationToken cancellationToken)
    {
        // A retry waiting for its timer goes now (Kick starts nothing while one is set).
        _retry?.Dispose();
        _retry = null;
        try
        {
            Kick();
            await _delivering.WaitAsync(cancellationToken);
            if (!Owed)
            {
                await Disarm();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The reminder stays, so the follow-ups go out from the next activation.
            LogDeliveryFailed(logger, ex, Owner, "(on deactivation)");
        }
    }

    /// <summary>Starts a delivery pass unless one runs or a retry is waiting.</summary>
    public void Kick()
    {
        if (_delivering.IsCompleted && _retry is null && S.Pending.Count > 0 && S.Pending[0].Number <= _storedThrough)
        {
            _delivering = Deliver();
        }
    }

    /// <summary>Ensures the reminder exists before anything depends on it (once per activation, unless dropped since).</summary>
    public async Task EnsureArmed()
    {
        var arming = _armed ??= Serialized(() => grain.RegisterOrUpdateReminder(ReminderName, options.ReminderPeriod, options.ReminderPeriod));
        try
        {
            await arming;
        }
        catch
        {
            if (_armed == arming)
            {
                _armed = null;
            }

            throw;
        }
    }

    private Task Disarm()
    {
        _armed = null;
        return Serialized(async () =>
        {
            // Something recorded while this waited its turn needs the reminder after all.
            if (!Owed && await grain.GetReminder(ReminderName) is { } reminder)
            {
                await grain.UnregisterReminder(reminder);
            }
        });
    }

    private Task Serialized(Func<Task> call) => _reminderCalls = After(_reminderCalls, call);

    private static async Task After(Task previous, Func<Task> call)
    {
        try
        {
            await previous;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Its own caller saw the failure; this call is independent of it.
        }

        await call();
    }

    private async Task Deliver()
    {
        while (true)
        {
            if (BeforeDelivery is { } before)
            {
                try
                {
                    await before();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // What delivery waits for failed: try again after the retry delay rather than never (a pass that
                    // threw here used to leave the follow-ups owed until something else kicked the outbox).
                    LogDeliveryFailed(logger, ex, Owner, "(waiting before delivery)");
                    ScheduleRetry();
                    return;
                }
            }

            var delivered = 0;
            Exception? failure = null;
            foreach (var followUp in S.Pending.ToList())
            {
                if (followUp.Number > _storedThrough)
                {
                    break;
                }

                try
                {
                    await followUp.Deliver(grains);
                    delivered++;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    failure = ex;
                    LogDeliveryFailed(logger, ex, Owner, followUp.GetType().Name);
                    break;
                }
            }

            if (delivered > 0)
            {
                // Pending may have grown meanwhile at its end; the delivered ones are still its first.
                S.Pending.RemoveRange(0, delivered);
                try
                {
                    await (WriteDeliveredMark ?? write)();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Still stored as owed: a later activation delivers them again, which receivers ignore.
                    LogDeliveryFailed(logger, ex, Owner, "(storing the delivered mark)");
                }
            }

            if (failure is not null)
            {
                ScheduleRetry();
                return;
            }

            _backoff = options.RetryDelay;
            if (S.Pending.Count == 0 || S.Pending[0].Number > _storedThrough)
            {
                return;
            }
        }
    }

    private void ScheduleRetry()
    {
        var wait = _backoff;
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, options.MaxRetryDelay.Ticks));
        _retry = grain.RegisterGrainTimer(() =>
        {
            _retry?.Dispose();
            _retry = null;
            Kick();
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(wait, Timeout.InfiniteTimeSpan) { Interleave = true });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering a follow-up {Kind} of {Owner} failed; it will be tried again")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception ex, string owner, string kind);
}
