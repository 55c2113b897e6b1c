namespace CommunityScale.Scheduling;

/// <summary>
/// Wakes a grain when something it owns falls due (a session reminder, a campaign's start or end), through an Orleans
/// reminder so the wake-up survives deactivation and silo restarts. The due time is read from the domain clock; the
/// reminder fires at it or after <c>checkEvery</c>, whichever is first, and the grain looks again on every tick, so a
/// clock that jumps (a test moving community time) is noticed within one period. What a tick does must be idempotent.
/// </summary>
public static class Wakeups
{
    private static readonly TimeSpan FirstTickFloor = TimeSpan.FromSeconds(1);

    public static async Task WakeAt(Grain grain, string name, DateTimeOffset? due, DateTimeOffset now, TimeSpan checkEvery)
    {
        if (due is not { } at)
        {
            if (await grain.GetReminder(name) is { } existing)
            {
                await grain.UnregisterReminder(existing);
            }

            return;
        }

        // Orleans counts the first tick from the registration; one already past when the reminder's timer is armed
        // is skipped to the next period, so "due now" waits a second rather than a whole period.
        var wait = at - now;
        var dueTime = wait < FirstTickFloor ? FirstTickFloor : wait < checkEvery ? wait : checkEvery;
        await grain.RegisterOrUpdateReminder(name, dueTime, checkEvery);
    }
}
