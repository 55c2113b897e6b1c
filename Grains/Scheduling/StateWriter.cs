namespace CommunityScale.Scheduling;

/// <summary>
/// The one way a grain stores its state. A grain's own background work (an outbox delivering follow-ups, a writer
/// storing a batch) interleaves with its requests at every await, so two <c>WriteStateAsync</c> calls could overlap and
/// the second would fail on the first's ETag. Through this writer they never overlap: a write asked for while another is
/// in flight waits for it and then stores everything changed meanwhile, shared by every caller that asked (so a burst of
/// changes costs two writes, not one each). A caller's changes made before it calls <see cref="Write"/> are in the
/// write its task waits for.
/// </summary>
public sealed class StateWriter<T>(IPersistentState<T> state)
{
    private Task _inFlight = Task.CompletedTask;
    private Task? _next;

    /// <summary>The state; change it, then call <see cref="Write"/> before answering anyone who must find it stored.</summary>
    public T State => state.State;

    /// <summary>Whether the grain's state was ever stored (ETag present).</summary>
    public bool RecordExists => state.RecordExists;

    /// <summary>Stores the state as it is now; completes when a write that began after this call has finished.</summary>
    public Task Write()
    {
        if (_next is null && _inFlight.IsCompleted)
        {
            return _inFlight = state.WriteStateAsync();
        }

        // One write follows the one in flight, whatever its outcome, and carries every change made until it starts.
        return _next ??= WriteAfter(_inFlight);
    }

    private async Task WriteAfter(Task previous)
    {
        try
        {
            await previous;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The earlier write's caller sees its failure; this write is a new attempt with the newer state.
        }

        _next = null;
        _inFlight = state.WriteStateAsync();
        await _inFlight;
    }

    /// <summary>Deletes the stored state (an erased record), after any write in flight.</summary>
    public async Task Clear()
    {
        await Write();
        await state.ClearStateAsync();
    }
}
