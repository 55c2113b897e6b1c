namespace CommunityScale.Scheduling;

/// <summary>
/// One change at a time in a grain some of whose calls interleave (a call that waits for a write must not hold the
/// grain, but its own change must not run beside another's). An activation runs one piece of code at a time, so a chain
/// of tasks is enough: each turn starts when the one before has ended, whether that one succeeded or failed.
/// </summary>
public sealed class TurnChain
{
    private Task _last = Task.CompletedTask;

    public async Task<T> Run<T>(Func<Task<T>> change)
    {
        var before = _last;
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _last = mine.Task;
        await before;
        try
        {
            return await change();
        }
        finally
        {
            mine.SetResult();
        }
    }

    public Task Run(Func<Task> change) => Run(async () =>
    {
        await change();
        return true;
    });
}
