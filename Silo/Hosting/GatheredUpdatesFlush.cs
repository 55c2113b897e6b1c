using CommunityScale.FollowUps;

namespace CommunityScale.Silo.Hosting;

/// <summary>
/// Sends what the silo's <see cref="GatheredUpdates"/> still holds when the silo stops, at the point where that can
/// still arrive: after the silo's grains have deactivated (the points grains' last windows are gathered by then) and
/// before its messaging stops. The singleton's disposal comes after both, too late for the KPI deltas, which nothing
/// puts right later as the next award does a board's total.
/// </summary>
public sealed partial class GatheredUpdatesFlush(GatheredUpdates gathered, ILogger<GatheredUpdatesFlush> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(GatheredUpdatesFlush), ServiceLifecycleStage.ApplicationServices, _ => Task.CompletedTask, Stop);

    private async Task Stop(CancellationToken cancellationToken)
    {
        try
        {
            // Bounded as disposal is: a call to a silo that is gone would wait for its response timeout.
            await gathered.Flush().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            LogFlushCutShort(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending the gathered board totals, feed marks and KPI deltas at the silo's stop was cut short")]
    private static partial void LogFlushCutShort(ILogger logger, Exception ex);
}
