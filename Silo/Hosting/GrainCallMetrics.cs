using System.Diagnostics.Metrics;

namespace CommunityScale.Silo.Hosting;

/// <summary>
/// Counts the calls each grain interface receives, by method, so the cost of one message can be put down to the
/// grains it touches (docs/performance.md). A counter nobody listens to costs next to nothing; with <c>/metrics</c> on,
/// one tagged add a call.
/// </summary>
public sealed class GrainCallMetrics : IIncomingGrainCallFilter
{
    public const string MeterName = "CommunityScale.GrainCalls";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("grain.calls", "{call}", "Grain calls received, tagged with the interface and method");

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (Calls.Enabled)
        {
            // A timer's tick arrives as a call to Orleans' timer invoker: named by the grain class instead, so ticks can be
            // put down to the grains that own them.
            var method = context.InterfaceName.EndsWith("IGrainTimerInvoker", StringComparison.Ordinal) ? context.Grain?.GetType().Name ?? context.MethodName : context.MethodName;
            Calls.Add(1, new KeyValuePair<string, object?>("interface", context.InterfaceName), new KeyValuePair<string, object?>("method", method));
        }

        return context.Invoke();
    }
}
