using System.Diagnostics;
using System.Net.Sockets;

namespace CommunityScale.TestSupport;

/// <summary>Helper processes (Azurite, Redis) that serve on a loopback port: started, awaited, and stopped by pid.</summary>
public static class LoopbackPort
{
    /// <summary>Starts <paramref name="fileName"/> and returns once it listens on <paramref name="port"/>; kills it if it does not.</summary>
    public static async Task<Process> StartListening(string fileName, IEnumerable<string> arguments, int port, TimeSpan timeout, string name)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}.");
        // Drained so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await WaitUntilListening(process, port, timeout, name);
            return process;
        }
        catch
        {
            await StopAsync(process);
            throw;
        }
    }

    /// <summary>Kills the process (and its children) and waits for it.</summary>
    public static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

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
