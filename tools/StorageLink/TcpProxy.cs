using System.Net;
using System.Net.Sockets;

namespace CommunityScale.StorageLink;

/// <summary>
/// A loopback TCP proxy that can be cut and restored (a network partition between a process and its storage, without
/// restarting the storage itself) or slowed down (every chunk it forwards, in either direction, waits a random
/// 200–1000 ms or whatever range <see cref="Slow"/> is given: a congested or lossy link). The tests host it in-process;
/// deploy/local-cluster runs it as a process of its own per silo (Program.cs).
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _acceptLoop;
    private volatile bool _cut;
    private volatile Latency? _latency;

    /// <param name="targetPort">The loopback port to forward to.</param>
    /// <param name="listenPort">The loopback port to listen on; 0 (the default) takes a free one (see <see cref="Port"/>).</param>
    public TcpProxy(int targetPort, int listenPort = 0)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, listenPort);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoop();
    }

    public int Port { get; }

    /// <summary>The delay range now applied to each forwarded chunk, or null when the link is at full speed.</summary>
    public (int MinMs, int MaxMs)? Delay => _latency is { } l ? (l.MinMs, l.MaxMs) : null;

    /// <summary>Drops every open connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            foreach (var client in _open)
            {
                Reset(client);
            }

            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    /// <summary>
    /// From now on every chunk read from either side waits a delay drawn from [minMs, maxMs] (from <paramref name="seed"/>)
    /// before it is written on: open connections slow down too, and bytes keep their order. <see cref="Fast"/> ends it.
    /// </summary>
    public void Slow(int minMs, int maxMs, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minMs);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMs, minMs);
        _latency = new Latency(minMs, maxMs, new Random(seed));
    }

    public void Fast() => _latency = null;

    /// <summary>Closes with RST, as a partition looks to the peer; a socket already closed by its pipe is left alone.</summary>
    private static void Reset(TcpClient client)
    {
        try
        {
            if (client.Client is { } socket)
            {
                socket.LingerState = new LingerOption(true, 0);
            }
        }
        catch (ObjectDisposedException)
        {
        }

        client.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (_cut)
            {
                Reset(inbound);
                continue;
            }

            _ = Pipe(inbound);
        }
    }

    private async Task Pipe(TcpClient inbound)
    {
        using var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            lock (_open)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }

            using var _ = inbound;
            var a = Forward(inbound.GetStream(), outbound.GetStream());
            var b = Forward(outbound.GetStream(), inbound.GetStream());
            await Task.WhenAny(a, b);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A cut or a closed peer ends the pipe; that is the point.
        }
        finally
        {
            lock (_open)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }

            inbound.Dispose();
        }
    }

    /// <summary>One direction of a pipe: what Stream.CopyToAsync does, with the link's delay (if any) before each write.</summary>
    private async Task Forward(NetworkStream from, NetworkStream to)
    {
        // 16 KB: a storage request or reply is one or a few chunks, and a proxy per silo holds two per pooled connection.
        var buffer = new byte[16384];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (_latency is { } latency)
                {
                    await Task.Delay(latency.Next(), _stop.Token);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The other side or a cut closed the pipe.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        Cut();
        _stop.Dispose();
    }

    private sealed class Latency(int minMs, int maxMs, Random random)
    {
        public int MinMs => minMs;

        public int MaxMs => maxMs;

        public TimeSpan Next()
        {
            lock (random)
            {
                return TimeSpan.FromMilliseconds(random.Next(minMs, maxMs + 1));
            }
        }
    }
}
