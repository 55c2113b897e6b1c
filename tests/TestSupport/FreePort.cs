using System.Net;
using System.Net.Sockets;

namespace CommunityScale.TestSupport;

public static class FreePort
{
    // Below Linux's ephemeral range (32768–60999): the OS never hands these out for outgoing connections, so a port
    // found free here is not taken a moment later by a client socket (an Azurite, Redis or cluster connection) before
    // the server binds it. Asking the OS for a port (bind to 0) picked from that very range and collided that way.
    private const int First = 20_000;
    private const int Count = 12_000;
    private static readonly HashSet<int> Given = [];
    private static int _next = First + (Environment.ProcessId * 7919 % Count);

    /// <summary>A loopback TCP port that is free now and was not handed out before in this process.</summary>
    public static int Next()
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < Count; attempt++)
            {
                var port = First + (_next++ - First) % Count;
                if (Given.Add(port) && IsFree(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free loopback port in {First}–{First + Count - 1}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
