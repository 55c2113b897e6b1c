using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Chaos;

/// <summary>One chaos run: set up, load, faults, checks while it runs, then the history read back and the report.</summary>
internal sealed class Run(Options o)
{
    private readonly Recorder _recorder = new();
    private readonly List<ChaosClient> _clients = [];
    private readonly List<(FaultRecord Fault, IReadOnlyDictionary<string, long> Targets)> _pending = [];
    private readonly string _community = $"chaos-{o.Seed & 0xffff:x}-{DateTime.UtcNow:HHmmss}";

    public async Task<Report> Execute(CancellationToken cancel)
    {
        var cluster = new Cluster(o);
        var total = o.Minutes * 60;
        // Faults start after a warm-up and stop early enough for the last one to recover and converge before the end.
        var faultsFrom = Math.Clamp(total * 0.1, 20, 120);
        var faultsUntil = total - Math.Clamp(total * 0.1, 45, 120);
        var plan = Schedule.Plan(o.Seed, faultsFrom, faultsUntil, o.Faults);

        using var http = new HttpClient { BaseAddress = o.Gateways[0], Timeout = TimeSpan.FromSeconds(30) };
        var owner = await SetupRequests.Token(http, "chaos-owner", cancel);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", owner);
        await SetupRequests.Create(http, "/api/communities", new { id = _community, name = "Chaos" }, cancel);
        var channels = Enumerable.Range(1, o.Channels).Select(i => $"c-{i}").Append("hot").ToArray();
        foreach (var channel in channels)
        {
            await SetupRequests.Create(http, $"/api/communities/{_community}/channels", new { id = channel, name = channel }, cancel);
        }

        // Clients spread over the gateways; every client of a small channel sends, the hot channel has a few senders and
        // many listeners. Members join the community (sending needs it); listeners only view (a public community).
        var senders = new List<ChaosClient>();
        async Task<ChaosClient> Add(string userId, string channel, bool sends, int index)
        {
            if (sends)
            {
                await SetupRequests.Join(http, _community, await SetupRequests.Token(http, userId, cancel), cancel);
            }

            var client = await ChaosClient.Start(http, userId, _community, channel, o.Gateways, index, o.ChurnPerMinute);
            lock (_clients)
            {
                _clients.Add(client);
                if (sends)
                {
                    senders.Add(client);
                }
            }

            return client;
        }

        var plannedClients = new List<(string User, string Channel, bool Sends)>();
        for (var c = 1; c <= o.Channels; c++)
        {
            plannedClients.AddRange(Enumerable.Range(1, o.ClientsPerChannel).Select(i => ($"fan-{c}-{i}", $"c-{c}", true)));
        }

        plannedClients.AddRange(Enumerable.Range(1, o.HotSenders).Select(i => ($"hot-sender-{i}", "hot", true)));
        plannedClients.AddRange(Enumerable.Range(1, o.HotListeners).Select(i => ($"hot-{i}", "hot", false)));
        foreach (var batch in plannedClients.Select((p, i) => (p, i)).Chunk(20))
        {
            await Task.WhenAll(batch.Select(x => Add(x.p.User, x.p.Channel, x.p.Sends, x.i)));
        }

        foreach (var client in _clients)
        {
            if (await client.WaitReady(TimeSpan.FromSeconds(60), cancel) is null)
            {
                throw new InvalidOperationException($"{client.UserId} did not connect and join within 60 s of the start");
            }
        }

        Console.WriteLine($"chaos: {_clients.Count} clients ({senders.Count} sending) in {channels.Length} channels; {plan.Count} faults planned over {o.Minutes} min (seed {o.Seed})");

        var runStart = DateTimeOffset.UtcNow;
        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        _recorder.StartClock();
        // CPU over the load (faults included): per process that lives through the whole run, the driver's own, the machine's.
        var cpuFrom = cluster.Plan.Select(n => (Name: n, Pid: cluster.Pid(n))).Where(p => p.Pid is not null)
            .Select(p => (p.Name, Pid: p.Pid!.Value, Seconds: Cluster.CpuSeconds(p.Pid!.Value))).ToList();
        var driverCpuFrom = Cluster.CpuSeconds(Environment.ProcessId);
        var machineFrom = Cluster.MachineTicks();
        var sending = senders.Select(s => Send(s, stopSending.Token)).ToArray();
        var sampling = SampleRss(cluster, stopWatching.Token);
        var watching = WatchConvergence(stopWatching.Token);
        var injector = new FaultInjector(cluster, _recorder, o);
        injector.Ended += f =>
        {
            lock (_pending)
            {
                _pending.Add((f, _recorder.MaxAckedSeq()));
            }

            Console.WriteLine($"  {f.StartedAt,6:0.0}s {f.Kind} {f.Target}: ended at {f.EndedAt:0.0}s{(f.Failure is null ? "" : $" ({f.Failure})")}");
        };

        await injector.Run(plan, faultsUntil + 30, cancel);
        var left = total - _recorder.Now;
        if (left > 0)
        {
            // The run lasts its stated minutes: load goes on, without faults, to the end.
            await Task.Delay(TimeSpan.FromSeconds(left), cancel);
        }

        // No new messages; sends already started keep retrying (the same clientMessageId) until acked or 60 s have passed.
        await stopSending.CancelAsync();
        await Task.WhenAll(sending);
        var endOfSends = _recorder.Now;
        var cpu = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, pid, seconds) in cpuFrom)
        {
            if (cluster.Pid(name) == pid && seconds is { } from && Cluster.CpuSeconds(pid) is { } to)
            {
                cpu[name] = Math.Round((to - from) / endOfSends, 2);
            }
        }

        if (driverCpuFrom is { } driverFrom && Cluster.CpuSeconds(Environment.ProcessId) is { } driverTo)
        {
            cpu["driver"] = Math.Round((driverTo - driverFrom) / endOfSends, 2);
        }

        var machineTo = Cluster.MachineTicks();
        var machineBusy = Math.Round(100.0 * (machineTo.Busy - machineFrom.Busy) / Math.Max(1, machineTo.Total - machineFrom.Total), 1);

        var history = await ReadHistory(http, channels, cancel);
        var finalTargets = history.ToDictionary(h => h.Key, h => h.Value.Count == 0 ? 0 : h.Value[^1].Seq, StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + o.ConvergeWithin;
        while (DateTime.UtcNow < deadline && _clients.Any(c => c.LastShown < finalTargets[c.Channel]))
        {
            await Task.Delay(250, cancel);
        }

        var behindAtEnd = _clients.Where(c => c.LastShown < finalTargets[c.Channel]).Select(c => $"{c.UserId} at {c.LastShown} of {finalTargets[c.Channel]} in {c.Channel}").ToList();
        // Faults whose convergence window is still open get it in full before the checker stops.
        while (DateTime.UtcNow < deadline.AddSeconds(5) && Pending() > 0)
        {
            await Task.Delay(250, cancel);
        }

        await stopWatching.CancelAsync();
        await sampling;
        await watching;
        var running = cluster.Running();
        var delivered = _clients.Sum(c => c.LastShown);
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        return Report.Build(new ReportInput(o, runStart, endOfSends, _recorder, injector.Done, history, behindAtEnd, running, cluster.Plan,
            DocumentedCodes.Read(o.RepoRoot), _clients.Count, _clients.Sum(c => c.Reconnects), _clients.Sum(c => c.Churned), _clients.Sum(c => c.GapRejoins), delivered, cpu, machineBusy));
    }

    private int Pending()
    {
        lock (_pending)
        {
            return _pending.Count;
        }
    }

    private async Task Send(ChaosClient client, CancellationToken stop)
    {
        var random = new Random(HashCode.Combine(o.Seed, client.UserId));
        for (var n = 1; ; n++)
        {
            try
            {
                // Jittered so senders do not beat in step.
                await Task.Delay(o.SendInterval * (0.75 + random.NextDouble() * 0.5), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var id = $"{client.UserId}-{n}";
            var text = $"chaos {id}";
            var first = _recorder.Now;
            var giveUp = DateTime.MaxValue;
            for (var attempt = 1; ; attempt++)
            {
                if (stop.IsCancellationRequested && giveUp == DateTime.MaxValue)
                {
                    giveUp = DateTime.UtcNow.AddSeconds(60);
                }

                if (DateTime.UtcNow > giveUp)
                {
                    Interlocked.Increment(ref _recorder.Unacked);
                    break;
                }

                try
                {
                    var hub = await client.WaitReady(TimeSpan.FromSeconds(5), CancellationToken.None);
                    if (hub is null)
                    {
                        continue;
                    }

                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                    var ack = await hub.InvokeAsync<SendAck>("SendMessage", client.Community, client.Channel, text, id, timeout.Token);
                    _recorder.Acked(new AckRecord(client.UserId, client.Channel, id, ack.Seq, ack.MessageId, ack.Held, first, _recorder.Now, attempt));
                    break;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    _recorder.Failed(client.UserId, ex);
                    // The same clientMessageId again, after a pause that a rate limit or a failing over cluster needs.
                    await Task.Delay(TimeSpan.FromMilliseconds(300 + random.Next(400)), CancellationToken.None);
                }
            }
        }
    }

    /// <summary>After each fault: every listener must show every message acked by the fault's end, within ConvergeWithin.</summary>
    private async Task WatchConvergence(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            lock (_pending)
            {
                for (var i = _pending.Count - 1; i >= 0; i--)
                {
                    var (fault, targets) = _pending[i];
                    var behind = _clients.Count(c => c.LastShown < targets.GetValueOrDefault(c.Channel));
                    var since = _recorder.Now - fault.EndedAt;
                    if (behind == 0 || since > o.ConvergeWithin.TotalSeconds)
                    {
                        fault.Converged = behind == 0;
                        fault.ConvergedAfterSeconds = behind == 0 ? Math.Round(since, 2) : null;
                        fault.ListenersBehind = behind;
                        _pending.RemoveAt(i);
                    }
                }
            }

            try
            {
                // How often convergence after a fault is checked: its time is reported to within 250 ms.
                await Task.Delay(250, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SampleRss(Cluster cluster, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Dictionary<int, int> connected;
            lock (_clients)
            {
                connected = _clients.Select(c => c.ConnectedTo).OfType<int>().GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
            }

            foreach (var name in cluster.Plan)
            {
                if (cluster.Pid(name) is { } pid && Cluster.RssBytes(pid) is { } bytes)
                {
                    int? connections = Cluster.GatewayIndex(name) is { } index ? connected.GetValueOrDefault(index) : null;
                    _recorder.Rss.Enqueue(new RssSample(Math.Round(_recorder.Now, 1), name, pid, bytes, connections));
                }
            }

            try
            {
                // RSS sampling period: a half-hour run gets 360 points per process, enough to see growth.
                await Task.Delay(TimeSpan.FromSeconds(5), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Every channel's whole history through REST, paged, from whichever gateway answers.</summary>
    private async Task<Dictionary<string, List<Message>>> ReadHistory(HttpClient http, IReadOnlyList<string> channels, CancellationToken cancel)
    {
        var result = new Dictionary<string, List<Message>>(StringComparer.Ordinal);
        foreach (var channel in channels)
        {
            var messages = new List<Message>();
            var hasMore = true;
            var attempts = 0;
            while (hasMore)
            {
                var after = messages.Count == 0 ? 0 : messages[^1].Seq;
                var gateway = o.Gateways[attempts % o.Gateways.Count];
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, $"/api/communities/{_community}/channels/{channel}/messages?afterSeq={after}&limit=200"));
                    request.Headers.Authorization = http.DefaultRequestHeaders.Authorization;
                    using var response = await http.SendAsync(request, cancel);
                    response.EnsureSuccessStatusCode();
                    var page = (await response.Content.ReadFromJsonAsync<JoinReply>(JsonOptions, cancel))!;
                    messages.AddRange(page.Messages);
                    hasMore = page.HasMore;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested && ++attempts < 20)
                {
                    await Task.Delay(1000, cancel);
                }
            }

            result[channel] = messages;
        }

        return result;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
