using System.Diagnostics;
using HdrHistogram;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Bench;

/// <summary>
/// Clients in channels and senders at a scheduled rate, for the fan-out runs (<see cref="FanoutRun"/>,
/// <see cref="ChannelSizeRun"/>). The send time travels in the text (this process's monotonic clock), so every receiver
/// measures on the same clock as the sender.
/// </summary>
internal sealed class FanoutSession(LoadOptions o, HttpClient http) : IAsyncDisposable
{
    private readonly DeliveryWindow _window = new();
    private readonly List<HubConnection> _connections = new(o.Clients);
    private readonly List<HubConnection> _senders = [];
    private ChannelTarget[] _targets = [];
    private string?[] _tokens = new string?[o.Clients];

    /// <summary>Clients connected (and joined) so far.</summary>
    public int Connected => _connections.Count;

    /// <summary>The run's channels (<see cref="ChannelLayout"/>); on our gateway they are created through the REST API.</summary>
    public async Task CreateChannels()
    {
        _targets = ChannelLayout.Channels($"bench-{DateTime.UtcNow:yyyyMMddHHmmssfff}", o.Channels);
        if (!o.Bare)
        {
            await Http.CreateChannels(http, _targets);
        }
    }

    /// <summary>Signs every client in (ours only), so that sign-in garbage is not inside a later memory or CPU measure.</summary>
    public async Task SignIn()
    {
        if (o.Bare)
        {
            return;
        }

        _tokens = new string?[o.Clients];
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, o.Clients), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => _tokens[i] = await Http.Token(http, $"fan-{i}"));
        Console.WriteLine($"signed in {o.Clients} clients in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Connects clients until <paramref name="count"/> are connected, 100 at a time, each joining its channel.</summary>
    public async Task ConnectUpTo(int count)
    {
        for (var batch = _connections.Count; batch < count; batch += 100)
        {
            _connections.AddRange(await Task.WhenAll(Enumerable.Range(batch, Math.Min(100, count - batch)).Select(async i =>
            {
                var hub = Connections.Build(o, _tokens[i]);
                await hub.StartAsync();
                hub.On<ReceivedMessage>("ChannelMessage", _window.OnMessage);
                var target = _targets[ChannelLayout.ChannelOf(i, _targets.Length)];
                await hub.InvokeAsync<object>("JoinChannel", target.Community, target.Channel, null);
                return hub;
            })));
        }
    }

    public async Task ConnectSenders()
    {
        for (var s = 0; s < o.Senders; s++)
        {
            _senders.Add(await Connections.Connect(o, http, $"sender-{s}", [.. _targets.Select(t => t.Community).Distinct()]));
        }
    }

    /// <summary>
    /// Sends at <paramref name="rate"/> messages a second for <paramref name="seconds"/>, open loop, then lets in-flight
    /// sends and deliveries land (at most 2 s). Each server process's CPU over the step is recorded with it.
    /// </summary>
    public async Task<StepResult> Step(double rate, int seconds)
    {
        var cpuBefore = ProcessStats.CpuTimes(o.ServerPids);
        var loadBefore = ProcessStats.OwnCpuTime();
        var from = _window.Start();
        var receivers = _connections.Count / _targets.Length;
        var counts = new SendCounts();
        var clock = Stopwatch.StartNew();
        await SendSchedule.Run(_senders, _targets, rate, seconds, counts);

        // Let in-flight sends and deliveries land: at most two seconds after the last send.
        await SendSchedule.Drain(counts, receivers, () => Task.FromResult(_window.Delivered), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(20));

        // At a few messages a second the last send comes well before the step's end: the rate is over the whole step.
        var elapsed = Math.Max(clock.Elapsed.TotalSeconds, seconds);
        var (delivered, histogram) = _window.Stop(from);
        var cpu = ProcessStats.CpuTimes(o.ServerPids).Select((c, i) => Math.Round((c - cpuBefore[i]).TotalMilliseconds)).ToArray();
        // Sends still unanswered when the drain ends count as refused: the target did not take them in time.
        return new StepResult("step", rate, Math.Round(delivered / elapsed), histogram.Ms(50), histogram.Ms(99), histogram.Ms(99.9), delivered, counts.Sent * receivers,
            counts.Refused + counts.InFlight, counts.Sent, cpu, Math.Round((ProcessStats.OwnCpuTime() - loadBefore).TotalMilliseconds), Math.Round(elapsed, 2),
            counts.AckMs(50), counts.AckMs(99));
    }

    public async ValueTask DisposeAsync() => await Task.WhenAll(_connections.Concat(_senders).Select(c => c.DisposeAsync().AsTask()));
}
