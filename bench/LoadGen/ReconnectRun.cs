using System.Diagnostics;
using HdrHistogram;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Bench;

/// <summary>
/// Reconnect storm: N clients in one channel while a sender keeps sending; every connection drops at once and reconnects
/// at once with its last seq. A client has converged when it holds every message up to the storm's start without a gap
/// and has received one sent after it. The bare baseline keeps no history, so its clients only need to be live again
/// (what they missed is lost): the comparison flatters the baseline.
/// </summary>
public static class ReconnectRun
{
    public static async Task<Part> RunAsync(LoadOptions o)
    {
        using var http = new HttpClient { BaseAddress = o.Url };
        var community = $"storm-{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        if (!o.Bare)
        {
            await Http.CreateChannel(http, community, "live");
        }

        var clients = new StormClient[o.Clients];
        Console.WriteLine($"[{o.Scenario}/{o.Role}] connecting {o.Clients} clients to {o.Url} ...");
        for (var batch = 0; batch < o.Clients; batch += 100)
        {
            await Task.WhenAll(Enumerable.Range(batch, Math.Min(100, o.Clients - batch)).Select(async i =>
            {
                clients[i] = new StormClient(o.Bare ? null : await Http.Token(http, $"storm-{i}"));
                await clients[i].Connect(o, community, afterSeq: null);
            }));
        }

        var sender = await Connections.Connect(o, http, "storm-sender", community, member: true);
        long lastAcked = 0;
        using var stop = new CancellationTokenSource();
        var rate = o.Rates[0];
        var sending = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / rate));
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                var ack = await sender.InvokeAsync<Ack>("SendMessage", community, "live", $"{Stopwatch.GetTimestamp()} storm", Guid.NewGuid().ToString("n"));
                Interlocked.Exchange(ref lastAcked, Math.Max(Interlocked.Read(ref lastAcked), ack.Seq));
            }
        });
        await Task.Delay(TimeSpan.FromSeconds(Math.Max(3, o.WarmupSeconds)));

        Console.WriteLine($"storm: {o.Clients} connections drop and reconnect at once while {rate} msg/s flow");
        var stormSeq = Interlocked.Read(ref lastAcked);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(c => c.Drop()));
        await Task.WhenAll(clients.Select(c => c.Connect(o, community, c.Contiguous, stormSeq, clock)));
        var deadline = TimeSpan.FromSeconds(120);
        while (clients.Any(c => c.ConvergedAfter is null) && clock.Elapsed < deadline)
        {
            await Task.Delay(50);
        }

        var converged = clients.Count(c => c.ConvergedAfter is not null);
        var seconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        try
        {
            await sending;
        }
        catch (OperationCanceledException)
        {
        }

        var histogram = new LongHistogram(1, TimeSpan.FromMinutes(5).Ticks, 3);
        foreach (var c in clients.Where(c => c.ConvergedAfter is not null))
        {
            histogram.RecordValue(Math.Max(1, c.ConvergedAfter!.Value.Ticks));
        }

        var allSeconds = converged == o.Clients ? clients.Max(c => c.ConvergedAfter!.Value).TotalSeconds : seconds;
        Console.WriteLine($"converged {converged}/{o.Clients} in {allSeconds:0.00} s (p50 {histogram.Ms(50, 1)} ms, p99 {histogram.Ms(99, 1)} ms per client); history replayed {clients.Sum(c => c.Replayed)} messages");
        await Task.WhenAll(clients.Select(c => c.Drop()).Append(sender.DisposeAsync().AsTask()));
        return new Part(o.Scenario, o.Role, o.BaselineName, "clients_converged_per_second", converged == 0 ? 0 : Math.Round(converged / allSeconds), histogram.Ms(50, 1), histogram.Ms(99, 1), histogram.Ms(99.9, 1), o.Notes,
            new Dictionary<string, double>
            {
                ["clients"] = o.Clients,
                ["converged"] = converged,
                ["seconds_until_all_converged"] = Math.Round(allSeconds, 2),
                ["rate_msgs_per_second"] = rate,
                ["messages_replayed_from_history"] = clients.Sum(c => c.Replayed),
            },
            []);
    }

    private sealed record Ack(long Seq, string MessageId);

    private sealed record Joined(long LastSeq, List<ReceivedMessage> Messages, bool HasMore);

    private sealed class StormClient(string? token)
    {
        private readonly Lock _lock = new();
        private readonly SortedSet<long> _ahead = [];
        private HubConnection? _hub;
        private long _stormSeq = long.MaxValue;
        private Stopwatch? _clock;

        public long Contiguous { get; private set; }

        public long MaxSeen { get; private set; }

        public int Replayed { get; private set; }

        public TimeSpan? ConvergedAfter { get; private set; }

        public async Task Connect(LoadOptions o, string community, long? afterSeq, long stormSeq = long.MaxValue, Stopwatch? clock = null)
        {
            lock (_lock)
            {
                (_stormSeq, _clock) = (stormSeq, clock);
            }

            _hub = Connections.Build(o, token);
            _hub.On<ReceivedMessage>("ChannelMessage", m => Observe(m.Seq));
            await _hub.StartAsync();
            var joined = await _hub.InvokeAsync<Joined>("JoinChannel", community, "live", afterSeq);
            lock (_lock)
            {
                if (afterSeq is null)
                {
                    // First join: start counting from the channel's current end.
                    Contiguous = Math.Max(Contiguous, joined.LastSeq);
                    MaxSeen = Math.Max(MaxSeen, joined.LastSeq);
                }
            }

            foreach (var message in joined.Messages)
            {
                Observe(message.Seq, replayed: afterSeq is not null);
            }
        }

        public async Task Drop()
        {
            if (_hub is { } hub)
            {
                _hub = null;
                await hub.DisposeAsync();
            }
        }

        private void Observe(long seq, bool replayed = false)
        {
            lock (_lock)
            {
                if (replayed)
                {
                    Replayed++;
                }

                MaxSeen = Math.Max(MaxSeen, seq);
                if (seq == Contiguous + 1)
                {
                    Contiguous = seq;
                    while (_ahead.Remove(Contiguous + 1))
                    {
                        Contiguous++;
                    }
                }
                else if (seq > Contiguous + 1)
                {
                    _ahead.Add(seq);
                }

                if (ConvergedAfter is null && _clock is not null && (token is null ? MaxSeen > _stormSeq : Contiguous > _stormSeq))
                {
                    ConvergedAfter = _clock.Elapsed;
                }
            }
        }
    }
}
