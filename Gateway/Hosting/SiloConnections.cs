using CommunityScale.Gateway.Telemetry;

namespace CommunityScale.Gateway.Hosting;

/// <summary>
/// Tells a waiting call that one of this gateway's connections to the silos has closed (a silo died or drained).
/// </summary>
/// <remarks>
/// A call the Orleans client had already written to that connection is not failed when it closes: it waits out the
/// whole <c>ResponseTimeout</c> (silos fail their calls to a silo declared dead at once; the client has no such step),
/// so a fan's send would hang for seconds after a silo went, then fail. A send is idempotent by its clientMessageId,
/// so the hub sends it again through a connection that is up as soon as <see cref="Lost"/> fires; a call that was
/// fine gets the first ack back from the channel, which holds pending and recent sends by that id.
/// </remarks>
public sealed class SiloConnections : IDisposable
{
    private CancellationTokenSource _lost = new();

    /// <summary>Cancelled at the next close of a silo connection; read it before the call it guards starts.</summary>
    public CancellationToken Lost => Volatile.Read(ref _lost).Token;

    /// <summary>Called by the Orleans client whenever its number of connected silo gateways changes.</summary>
    public void OnGatewayCountChanged(int now, int before)
    {
        if (now >= before)
        {
            return;
        }

        // A fresh source for the calls that start from now on; the old one is only cancelled, never disposed, as calls
        // still hold its token (it has no timer or wait handle to release). Cancelled off this thread: the Orleans client
        // calls this while it closes the connection, and the waiting sends go again from their cancellation.
        var closed = Interlocked.Exchange(ref _lost, new CancellationTokenSource());
        _ = closed.CancelAsync();
    }

    /// <summary>
    /// Waits for <paramref name="send"/>'s call; each time a silo connection closes first, abandons it and makes the call
    /// again, at most <see cref="MaxResends"/> times (a resend can itself be written to a connection that is closing:
    /// under load the full test suite once saw a send hang after its one resend). After that the normal timeout
    /// decides. Only for calls that may run twice with the same effect.
    /// </summary>
    public async Task<T> RetryIfConnectionCloses<T>(Func<Task<T>> send)
    {
        for (var resends = 0; ; resends++)
        {
            var lost = Lost;
            var call = send();
            if (resends == MaxResends)
            {
                return await call;
            }

            try
            {
                return await call.WaitAsync(lost);
            }
            catch (OperationCanceledException) when (lost.IsCancellationRequested)
            {
                if (call.IsCompleted)
                {
                    return await call;
                }

                // The abandoned call still ends, in an ack or in the timeout: observe it, so its failure is not reported as unobserved.
                _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                GatewayMetrics.SendsResent.Add(1);
            }
        }
    }

    private const int MaxResends = 3;

    public void Dispose() => Volatile.Read(ref _lost).Dispose();
}
