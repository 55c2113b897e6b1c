using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Bench;

/// <summary>
/// <c>--mode cluster</c>: one hot channel, or many (<c>--channels</c>), served by several gateways (issue 25). The clients
/// live in <c>--processes</c> listener processes (<see cref="ClusterListener"/>), spread evenly over the gateways of
/// <c>--urls</c> (<see cref="ChannelLayout"/>); this process creates the channels, sends from <c>--senders</c> clients
/// spread over the gateways at each offered rate, gathers each listener's deliveries and latency, and reads every server
/// process's CPU over the step. The measure is saturated throughput (deliveries/s where they stop growing), with
/// p50/p99 at every offered rate, so that ours and the Redis backplane are compared at equal rates.
/// </summary>
/// <remarks>
/// Latency across processes: the send time travels in the text as <see cref="Stopwatch.GetTimestamp"/>, which on Linux is
/// CLOCK_MONOTONIC, the same clock in every process of the machine. A step's p99 is the largest of the listeners' p99s:
/// the p99 of a mixture is never above its largest component's, so the figure is an upper bound (the listeners hold
/// equal shares of every gateway, so their distributions are alike). Source addresses: each gateway port gets at most
/// 10,000 connections from 127.0.0.1 here, far below the ≈ 28,000 ephemeral ports one (source, destination) pair allows.
/// </remarks>
internal static class ClusterRun
{
    private const string Method =
        "saturation over several gateways: clients spread evenly over the gateways and held by several load processes; the metric is the deliveries/s where they stop growing as the offered rate rises; "
        + "p99 per step is the largest of the load processes' p99s (an upper bound); CPU per delivery and per message by process from /proc over each step";

    public static async Task<Part> RunAsync(LoadOptions o)
    {
        var gatewayPids = o.ServerPids.Take(o.Gateways).ToList();
        using var http = new HttpClient { BaseAddress = o.Urls[0] };
        var run = $"bench-{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        var channels = ChannelLayout.Channels(run, o.Channels);
        if (!o.Bare)
        {
            await Http.CreateChannels(http, channels);
        }

        var rssBefore = gatewayPids.Select(ProcessStats.RssBytes).ToArray();
        var listeners = new List<Listener>();
        var senders = new List<HubConnection>();
        var clock = Stopwatch.StartNew();
        try
        {
            var share = (o.Clients + o.Processes - 1) / o.Processes;
            for (var p = 0; p < o.Processes; p++)
            {
                var first = p * share;
                var count = Math.Min(share, o.Clients - first);
                if (count > 0)
                {
                    listeners.Add(Listener.Start(o, run, first, count));
                }
            }

            await Task.WhenAll(listeners.Select(l => l.Expect("ready", TimeSpan.FromMinutes(15))));
            Console.WriteLine($"[{o.Scenario}/{o.Role}] {o.Clients} clients in {o.Channels} channels over {o.Urls.Count} gateways in {listeners.Count} load processes, connected in {clock.Elapsed.TotalSeconds:0.0} s");

            // The gateways' growth over the connects, divided by the clients each holds (spread evenly).
            var perGateway = (double)o.Clients / o.Urls.Count;
            var memory = gatewayPids.Select((pid, i) => (ProcessStats.RssBytes(pid) - rssBefore[i]) / perGateway).ToArray();

            // 40,000 joins leave work behind them (each new member's follow-ups: its account, KPIs, the write-behind of
            // its state), and the servers keep a floor with that many connections (keep-alives, presence, timers). Wait
            // for the first to pass, then take the last calm window as the floor, so that the cost per message behind
            // the gateways is that of the messages.
            var probe = new ServerProbe(o, http);
            var settling = Stopwatch.StartNew();
            // Calm: a tenth of a core per server process (each has a floor of its own with thousands of connections).
            var floor = await probe.UntilCalm(coreShare: 0.1 * o.ServerPids.Count, windowSeconds: 3, atMostSeconds: 180);
            Console.WriteLine($"settled {settling.Elapsed.TotalSeconds:0} s after the connects; floor {string.Join(" + ", floor.MsPerSecond.Select(ms => $"{ms:0}"))} ms/s");

            // The senders are fans too: spread over the gateways in turn, as the listeners are.
            var communities = channels.Select(c => c.Community).Distinct().ToList();
            for (var s = 0; s < o.Senders; s++)
            {
                senders.Add(await Connections.Connect(o, http, $"sender-{s}", communities, o.Urls[s % o.Urls.Count]));
            }

            // Warm: every channel gets one message at the first step's rate before anything is measured, as in a live
            // community. The sends take the channels in turn, so a 2-s warm-up reached 200 of 4,000 channels and every
            // message of the first three steps was its channel's first (a stream producer registered, the sender's
            // points grain and board shard woken): a cold start, measured as if it were the cost of a message.
            await Step(o, listeners, senders, channels, o.Rates[0], WarmupSeconds(o.WarmupSeconds, channels.Length, o.Rates[0]));
            var steps = new List<StepResult>();
            foreach (var rate in o.Rates)
            {
                var step = await Step(o, listeners, senders, channels, rate, o.StepSeconds);
                Console.WriteLine(step);
                steps.Add(step);
            }

            return Report(o, steps, memory, floor, settling.Elapsed);
        }
        finally
        {
            await Task.WhenAll(senders.Select(c => c.DisposeAsync().AsTask()));
            await Task.WhenAll(listeners.Select(l => l.Quit()));
        }
    }

    /// <summary>
    /// Long enough at <paramref name="rate"/> for every channel to get a message with a tenth to spare (a refused send
    /// leaves its channel cold), and at least <paramref name="warmup"/>.
    /// </summary>
    internal static int WarmupSeconds(int warmup, int channels, double rate) => Math.Max(warmup, (int)Math.Ceiling(1.1 * channels / rate));

    private static async Task<StepResult> Step(LoadOptions o, List<Listener> listeners, List<HubConnection> senders, ChannelTarget[] channels, double rate, int seconds)
    {
        await Task.WhenAll(listeners.Select(l => l.Ask("start", "started")));
        var cpuBefore = ProcessStats.CpuTimes(o.ServerPids);
        var loadBefore = ProcessStats.OwnCpuTime() + listeners.Aggregate(TimeSpan.Zero, (t, l) => t + l.CpuTime);
        var clock = Stopwatch.StartNew();
        var counts = new SendCounts();
        await SendSchedule.Run(senders, channels, rate, seconds, counts);

        // Let sends and deliveries land: at most three seconds after the last send. The listeners are other processes,
        // counting on their own: they are asked every 100 ms (a few lines over a pipe) rather than told of every delivery.
        var receivers = o.Clients / o.Channels;
        await SendSchedule.Drain(counts, receivers,
            async () => (await Task.WhenAll(listeners.Select(async l => long.Parse((await l.Ask("count", "count"))[1], CultureInfo.InvariantCulture)))).Sum(),
            TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(100));

        var elapsed = Math.Max(clock.Elapsed.TotalSeconds, seconds);
        var results = await Task.WhenAll(listeners.Select(l => l.Ask("stop", "result")));
        var delivered = results.Sum(r => long.Parse(r[1], CultureInfo.InvariantCulture));
        double Field(string[] r, int i) => double.Parse(r[i], CultureInfo.InvariantCulture);
        var p50 = delivered == 0 ? 0 : Math.Round(results.Sum(r => Field(r, 2) * long.Parse(r[1], CultureInfo.InvariantCulture)) / delivered, 2);
        var cpu = ProcessStats.CpuTimes(o.ServerPids).Select((c, i) => Math.Round((c - cpuBefore[i]).TotalMilliseconds)).ToArray();
        var load = ProcessStats.OwnCpuTime() + listeners.Aggregate(TimeSpan.Zero, (t, l) => t + l.CpuTime) - loadBefore;
        // Sends still unanswered when the drain ends count as refused: the target did not take them in time.
        return new StepResult("step", rate, Math.Round(delivered / elapsed), p50, results.Max(r => Field(r, 3)), results.Max(r => Field(r, 4)),
            delivered, counts.Sent * receivers, counts.Refused + counts.InFlight, counts.Sent, cpu, Math.Round(load.TotalMilliseconds), Math.Round(elapsed, 2),
            counts.AckMs(50), counts.AckMs(99));
    }

    private static Part Report(LoadOptions o, List<StepResult> steps, double[] memoryPerConnection, Usage floor, TimeSpan settled)
    {
        // Saturated: the best step; the offered rates are the same for both targets, so every step compares at equal rates.
        var best = steps.MaxBy(s => s.DeliveriesPerSecond)!;
        var extra = new Dictionary<string, double>
        {
            ["clients"] = o.Clients,
            ["channels"] = o.Channels,
            ["senders"] = o.Senders,
            ["gateways"] = o.Urls.Count,
            ["load_processes"] = o.Processes,
            ["saturated_rate_msgs_per_second"] = best.Rate,
        };
        for (var g = 0; g < memoryPerConnection.Length; g++)
        {
            extra[$"memory_bytes_per_connection_gateway{g + 1}"] = Math.Round(memoryPerConnection[g]);
        }

        if (memoryPerConnection.Length > 0)
        {
            extra["memory_bytes_per_connection"] = Math.Round(memoryPerConnection.Average());
        }

        // CPU per delivery and per message at the best step, by process role: the gateways', what is behind them.
        if (best.ServerCpuMs is { } cpu && best.Delivered > 0 && best.Accepted > 0)
        {
            var gateways = cpu.Take(o.Gateways).Sum();
            var behind = cpu.Skip(o.Gateways).Sum();
            extra["cpu_us_per_delivery_gateways"] = Math.Round(gateways * 1000 / best.Delivered, 2);
            extra["cpu_us_per_delivery_behind_gateways"] = Math.Round(behind * 1000 / best.Delivered, 2);
            extra["cpu_us_per_message_behind_gateways_raw"] = Math.Round(behind * 1000 / best.Accepted);
            extra["cpu_us_per_message_behind_gateways"] = BehindNetOfFloor(o, best, floor);
            extra["cpu_us_per_delivery_load_generator"] = Math.Round(best.LoadCpuMs * 1000 / best.Delivered, 2);
        }

        foreach (var step in steps)
        {
            var rate = step.Rate.ToString("0.##", CultureInfo.InvariantCulture);
            extra[$"p50_ms_at_{rate}"] = step.P50;
            extra[$"p99_ms_at_{rate}"] = step.P99;
            extra[$"deliveries_per_second_at_{rate}"] = step.DeliveriesPerSecond;
            if (step.Accepted > 0)
            {
                extra[$"cpu_us_per_message_behind_gateways_at_{rate}"] = BehindNetOfFloor(o, step, floor);
            }
        }

        var floorMs = floor.MsPerSecond;
        extra["settle_seconds_after_connects"] = Math.Round(settled.TotalSeconds);
        extra["warmup_seconds"] = WarmupSeconds(o.WarmupSeconds, o.Channels, o.Rates[0]);
        extra["idle_cpu_ms_per_second_gateways"] = Math.Round(floorMs.Take(o.Gateways).Sum());
        extra["idle_cpu_ms_per_second_behind_gateways"] = Math.Round(floorMs.Skip(o.Gateways).Sum());

        return new Part(o.Scenario, o.Role, o.BaselineName, "saturated_deliveries_per_second", best.DeliveriesPerSecond, best.P50, best.P99, best.P999, o.Notes,
            extra, steps, Method: Method, CompareRates: o.Rates);
    }

    /// <summary>CPU behind the gateways per accepted message, less what those processes spend with nothing sent.</summary>
    private static double BehindNetOfFloor(LoadOptions o, StepResult step, Usage floor)
    {
        var used = (step.ServerCpuMs ?? []).Skip(o.Gateways).Sum();
        var idle = floor.MsPerSecond.Skip(o.Gateways).Sum() * step.Seconds;
        return Math.Round(Math.Max(0, used - idle) * 1000 / step.Accepted);
    }

    /// <summary>A listener process and its order channel (one order at a time: the run never asks a listener twice at once).</summary>
    private sealed class Listener(Process process)
    {
        public TimeSpan CpuTime => process.HasExited ? TimeSpan.Zero : ProcessStats.CpuTime([process.Id]);

        public static Listener Start(LoadOptions o, string run, int first, int count)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(typeof(ClusterRun).Assembly.Location);
            foreach (var arg in new[]
            {
                "--mode", "listen", "--urls", string.Join(',', o.Urls), "--clients", count.ToString(CultureInfo.InvariantCulture),
                "--first", first.ToString(CultureInfo.InvariantCulture), "--community", run, "--channels", o.Channels.ToString(CultureInfo.InvariantCulture),
                "--protocol", o.Protocol, "--results", o.ResultsDir,
            })
            {
                start.ArgumentList.Add(arg);
            }

            if (o.Bare)
            {
                start.ArgumentList.Add("--bare");
            }

            return new Listener(Process.Start(start) ?? throw new InvalidOperationException("could not start a listener process"));
        }

        public async Task<string[]> Expect(string word, TimeSpan within)
        {
            using var timeout = new CancellationTokenSource(within);
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                var fields = line.Split(' ');
                if (fields[0] == word)
                {
                    return fields;
                }
            }

            throw new InvalidOperationException($"listener {process.Id} ended before answering '{word}' (exit code {(process.HasExited ? process.ExitCode : -1)})");
        }

        public async Task<string[]> Ask(string order, string answer)
        {
            await process.StandardInput.WriteLineAsync(order);
            await process.StandardInput.FlushAsync();
            return await Expect(answer, TimeSpan.FromMinutes(1));
        }

        public async Task Quit()
        {
            try
            {
                if (!process.HasExited)
                {
                    await process.StandardInput.WriteLineAsync("quit");
                    await process.StandardInput.FlushAsync();
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
            {
                process.Kill(entireProcessTree: true);
            }
            finally
            {
                process.Dispose();
            }
        }
    }
}
