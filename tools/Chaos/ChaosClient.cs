using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Chaos;

/// <summary>
/// One fan as the API tells a client to behave (docs/api.md, "Ordering and completeness"): it keeps the last seq it has
/// shown, ignores repeats, rejoins with that seq on a gap or after a reconnect, and moves to another gateway when its
/// own goes away. Nothing here waits for the server to be healthy: it keeps trying, as a browser would.
/// </summary>
internal sealed class ChaosClient : IAsyncDisposable
{
    private readonly IReadOnlyList<Uri> _gateways;
    private readonly string _token;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private HubConnection? _hub;
    private readonly int _first;
    private int _connectedTo = -1;
    private long _lastShown;
    private bool _rejoin;
    private Task _supervisor = Task.CompletedTask;
    private readonly double _churnPerMinute;
    private DateTime _leaveAt = DateTime.MaxValue;

    private ChaosClient(string userId, string community, string channel, IReadOnlyList<Uri> gateways, int first, string token, double churnPerMinute)
    {
        _churnPerMinute = churnPerMinute;
        UserId = userId;
        Community = community;
        Channel = channel;
        _gateways = gateways;
        _first = first;
        _token = token;
    }

    public string UserId { get; }

    public string Community { get; }

    public string Channel { get; }

    public long LastShown => Interlocked.Read(ref _lastShown);

    public int Reconnects { get; private set; }

    public int GapRejoins { get; private set; }

    /// <summary>How many times the fan left on its own and came back (churn), a part of <see cref="Reconnects"/>.</summary>
    public int Churned { get; private set; }

    /// <summary>The index (in the run's gateway list) of the gateway this client is connected and joined to, if it is.</summary>
    public int? ConnectedTo => Ready is { State: HubConnectionState.Connected } ? _connectedTo : null;

    /// <summary>The connection, once connected and joined; null while it is (re)connecting.</summary>
    public HubConnection? Ready { get; private set; }

    public static async Task<ChaosClient> Start(HttpClient http, string userId, string community, string channel, IReadOnlyList<Uri> gateways, int first,
        double churnPerMinute)
    {
        var token = await SetupRequests.Token(http, userId);
        var client = new ChaosClient(userId, community, channel, gateways, first, token, churnPerMinute);
        client._supervisor = client.Supervise();
        return client;
    }

    /// <summary>Waits until the client is connected and joined (or the timeout passes).</summary>
    public async Task<HubConnection?> WaitReady(TimeSpan within, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + within;
        while (Ready is not { State: HubConnectionState.Connected } && DateTime.UtcNow < deadline)
        {
            _wake.Release();
            // The connection loop signals nothing when it is ready: look again shortly.
            await Task.Delay(100, cancel);
        }

        return Ready is { State: HubConnectionState.Connected } ready ? ready : null;
    }

    private async Task Supervise()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (_hub is not { State: HubConnectionState.Connected })
                {
                    await Reconnect(churn: false);
                }
                else if (DateTime.UtcNow >= _leaveAt)
                {
                    // The fan closes the tab and comes back: a new connection, through whichever gateway the balancer picks.
                    Churned++;
                    await Reconnect(churn: true);
                }
                else if (_rejoin || Ready is null)
                {
                    // A gap, or a join that failed on a connection that stayed up (the cluster answered unavailable).
                    await Join(_hub);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && !_stop.IsCancellationRequested)
            {
                // A gateway that is down, restarting or refusing (unavailable): try again shortly, on another gateway.
                await Task.Delay(TimeSpan.FromMilliseconds(500 + Random.Shared.Next(500)), CancellationToken.None);
                continue;
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            await _wake.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
        }
    }

    private async Task Reconnect(bool churn)
    {
        Ready = null;
        if (_hub is not null)
        {
            Reconnects++;
            await _hub.DisposeAsync();
            _hub = null;
        }

        // Like a load balancer: a new connection goes to any gateway, and one that failed is not picked again at once, so
        // a killed gateway's clients spread over the others and a restarted one gets clients again. The first connection
        // goes where the run put it.
        _connectedTo = Reconnects == 0 && !churn ? _first % _gateways.Count
            : churn || _gateways.Count == 1 ? Random.Shared.Next(_gateways.Count)
            : (_connectedTo + 1 + Random.Shared.Next(_gateways.Count - 1)) % _gateways.Count;
        var gateway = _gateways[_connectedTo];
        var hub = new HubConnectionBuilder().WithUrl(new Uri(gateway, "/hubs/community"), c =>
        {
            c.AccessTokenProvider = () => Task.FromResult<string?>(_token);
            c.SkipNegotiation = true;
            c.Transports = HttpTransportType.WebSockets;
        }).Build();
        hub.On<Message>("ChannelMessage", OnMessage);
        hub.Closed += _ =>
        {
            Ready = null;
            _wake.Release();
            return Task.CompletedTask;
        };
        _hub = hub;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        await hub.StartAsync(timeout.Token);
        await Join(hub);
    }

    private async Task Join(HubConnection hub)
    {
        while (true)
        {
            _rejoin = false;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            var join = await hub.InvokeAsync<JoinReply>("JoinChannel", Community, Channel, LastShown, timeout.Token);
            lock (_gate)
            {
                foreach (var message in join.Messages)
                {
                    Show(message.Seq);
                }
            }

            Ready = hub;
            if (_leaveAt == DateTime.MaxValue || DateTime.UtcNow >= _leaveAt)
            {
                // Stays an exponentially distributed while: churnPerMinute of the fans leave and come back each minute.
                _leaveAt = _churnPerMinute <= 0 ? DateTime.MaxValue
                    : DateTime.UtcNow.AddMinutes(-Math.Log(1 - Random.Shared.NextDouble()) / _churnPerMinute);
            }

            if (!join.HasMore)
            {
                return;
            }
        }
    }

    private void OnMessage(Message message)
    {
        if (message.CommunityId != Community || message.ChannelId != Channel)
        {
            return;
        }

        lock (_gate)
        {
            if (!Show(message.Seq) && message.Seq > _lastShown + 1)
            {
                _rejoin = true;
                GapRejoins++;
                _wake.Release();
            }
        }
    }

    /// <summary>Shows the next message in order; a repeat or one beyond a gap is not shown.</summary>
    private bool Show(long seq)
    {
        if (seq != _lastShown + 1)
        {
            return false;
        }

        Interlocked.Exchange(ref _lastShown, seq);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _wake.Release();
        await _supervisor;
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        _stop.Dispose();
        _wake.Dispose();
    }
}

/// <summary>The part of a <c>ChannelMessage</c> a client needs.</summary>
internal sealed record Message(string CommunityId, string ChannelId, long Seq, string MessageId, string Text);

internal sealed record JoinReply(long LastSeq, IReadOnlyList<Message> Messages, bool HasMore);

internal sealed record SendAck(long Seq, string MessageId, bool Held);
