using System.Globalization;

namespace CommunityScale.Bench;

/// <summary>
/// Silo CPU per message against channel size: one channel whose members grow (<c>--sizes</c>, connected incrementally in
/// one session), one step at the same low rate (<c>--rates</c>' first, msg/s) at each size. Measured: the CPU of the
/// process behind the gateway (<c>--pids</c>' second: our silo, or the naive design's) per accepted message. Ours
/// publishes one stream event per message whatever the size (gateways fan out), so it should be flat in members; a
/// grain that calls every connection is linear. The silo's idle floor is measured around each step and given beside it:
/// at a few messages a second it is a large share of the raw figure.
/// </summary>
public static class ChannelSizeRun
{
    private const double IdleSeconds = 1.5;

    public static async Task<Part> RunAsync(LoadOptions options)
    {
        var o = options with { Clients = options.Sizes.Max(), Channels = 1 };
        using var http = new HttpClient { BaseAddress = o.Url };
        await using var session = new FanoutSession(o, http);
        var probe = new ServerProbe(o, http);
        var rate = o.Rates[0];
        await session.CreateChannels();
        await session.SignIn();
        await session.ConnectSenders();
        var points = new List<SizePoint>();
        var steps = new List<StepResult>();
        foreach (var size in o.Sizes.Order())
        {
            Console.WriteLine($"[{o.Scenario}/{o.Role}] connecting up to {size} members of one channel at {o.Url} ...");
            await session.ConnectUpTo(size);
            await Task.Delay(TimeSpan.FromSeconds(2));
            if (points.Count == 0)
            {
                await session.Step(rate, o.WarmupSeconds);
            }

            var (point, step) = await Measure(o, session, probe, size, rate);
            points.Add(point);
            steps.Add(step with { Label = $"members-{size}" });
        }

        var last = points[^1];
        return new Part(o.Scenario, o.Role, o.BaselineName, "silo_cpu_us_per_accepted_message", last.SiloCpuUsPerMessage, last.P50, last.P99, steps[^1].P999,
            o.Notes, Extra(rate, points), steps, Points: points);
    }

    private static async Task<(SizePoint Point, StepResult Step)> Measure(LoadOptions o, FanoutSession session, ServerProbe probe, int size, double rate)
    {
        // Near the floor first (under a quarter of a core): the connects' and the last step's work is not these messages'.
        var idleBefore = await probe.UntilCalm(coreShare: 0.25, windowSeconds: IdleSeconds, atMostSeconds: 15);
        var before = await probe.Take();
        var step = await session.Step(rate, o.ReferenceSeconds);

        // The window runs until the servers are calm again: at 10,000 members the rejected design's silo is still calling
        // connections seconds after the last send, and that work is these messages'. Its last calm stretch is the floor after.
        var idleAfter = await probe.UntilCalm(coreShare: 0.25, windowSeconds: IdleSeconds, atMostSeconds: 8);
        var used = await probe.Since(before);
        var point = Point(o, size, step, used, (idleBefore.MsPerSecond.ElementAtOrDefault(1) + idleAfter.MsPerSecond.ElementAtOrDefault(1)) / 2);
        Console.WriteLine(step);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {size} members: silo {point.SiloCpuUsPerMessage:0} µs per message ({point.SiloCpuUsPerMessageAboveIdle:0} above its idle {idleBefore.MsPerSecond.ElementAtOrDefault(1):0}/{idleAfter.MsPerSecond.ElementAtOrDefault(1):0} ms/s before/after), gateway {point.GatewayCpuUsPerMessage:0} µs"));
        return (point, step);
    }

    /// <summary>
    /// The silo's floor is read on both sides of the step and averaged (<paramref name="siloIdleMsPerSecond"/>): after a busy
    /// scenario its background work decays over tens of seconds, and one reading before would charge the decline to these
    /// messages. Above the floor = the window's CPU minus the floor over the whole window.
    /// </summary>
    private static SizePoint Point(LoadOptions o, int size, StepResult step, Usage used, double siloIdleMsPerSecond)
    {
        var accepted = Math.Max(1, step.Accepted);
        var silo = used.Cpu.ElementAtOrDefault(1);
        var aboveIdle = silo.TotalMicroseconds - siloIdleMsPerSecond * 1000 * used.Elapsed.TotalSeconds;
        return new SizePoint(o.Role == "ours" ? "ours" : o.BaselineName, size, step.Rate, step.Accepted, Math.Round(silo.TotalMicroseconds / accepted),
            Math.Round(siloIdleMsPerSecond, 1), Math.Round(aboveIdle / accepted), Math.Round(used.Cpu.ElementAtOrDefault(0).TotalMicroseconds / accepted),
            step.P50, step.P99, step.Expected > 0 ? Math.Round(step.Delivered / (double)step.Expected, 4) : 0);
    }

    /// <summary>Each size's figures as flat keys, and the growth from the smallest size to the largest (flat: 1; linear: the size ratio).</summary>
    private static Dictionary<string, double> Extra(double rate, List<SizePoint> points)
    {
        var extra = new Dictionary<string, double> { ["rate_msgs_per_second"] = rate };
        foreach (var p in points)
        {
            extra[$"silo_cpu_us_per_message_{p.Members}"] = p.SiloCpuUsPerMessage;
            extra[$"silo_cpu_us_per_message_above_idle_{p.Members}"] = p.SiloCpuUsPerMessageAboveIdle;
        }

        double Growth(Func<SizePoint, double> value) => value(points[0]) > 0 ? Math.Round(value(points[^1]) / value(points[0]), 2) : 0;
        extra["silo_cpu_growth_smallest_to_largest"] = Growth(p => p.SiloCpuUsPerMessage);
        extra["silo_cpu_above_idle_growth_smallest_to_largest"] = Growth(p => p.SiloCpuUsPerMessageAboveIdle);
        extra["members_growth_smallest_to_largest"] = (double)points[^1].Members / points[0].Members;
        return extra;
    }
}
