using System.Diagnostics;
using System.Net.Sockets;

namespace CommunityScale.TestSupport;

public static class LoopbackPort
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until <paramref name="process"/> listens on 127.0.0.1:<paramref name="port"/>; fails loudly if it exits or is too slow.</summary>
    public static async Task WaitUntilListening(Process process, int port, TimeSpan timeout, string name)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with code {process.ExitCode} before listening on {port}.");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(PollInterval);
            }
        }

        throw new TimeoutException($"{name} did not listen on port {port} within {timeout.TotalSeconds:0} s.");
    }
}
