using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CommunityScale.TestSupport;

namespace CommunityScale.Gateway.Tests;

[Trait("Area", "Cluster")]
public sealed class LocalClusterTests
{
    private static async Task<(int ExitCode, string Output)> Run(string verb, int portBase)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "deploy", "local-cluster"));
        start.ArgumentList.Add(verb);
        start.Environment["LOCAL_CLUSTER_PORT_BASE"] = portBase.ToString(CultureInfo.InvariantCulture);
        start.Environment["LOCAL_CLUSTER_CONFIGURATION"] = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        start.Environment["LOCAL_CLUSTER_SKIP_BUILD"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(4));
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task Local_cluster_up_starts_two_gateways_whose_clients_chat_and_down_stops_every_process()
    {
        // A port range of its own: away from the ephemeral ports other tests take.
        const int PortBase = 7400;
        var pidDir = Path.Combine(RepoPaths.Root, ".run", $"local-cluster-{PortBase}");
        try
        {
            var (code, output) = await Run("up", PortBase);
            Assert.True(code == 0, output);
            var gateways = Regex.Matches(output, "^gateway: (http://127\\.0\\.0\\.1:\\d+)$", RegexOptions.Multiline).Select(m => new Uri(m.Groups[1].Value)).ToList();
            Assert.Equal(2, gateways.Count);
            var pids = Directory.GetFiles(pidDir, "*.pid").Select(f => int.Parse(File.ReadAllText(f).Trim(), CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(6, pids.Count);

            await using var ann = await TestUser.ConnectAsync(gateways[0], "ann");
            await using var bob = await TestUser.ConnectAsync(gateways[1], "bob");
            var (community, channel) = await SystemFixture.NewChannel(ann, bob);
            await ann.JoinChannel(community, channel);
            await bob.JoinChannel(community, channel);
            await ann.Send(community, channel, "hello from gateway 1");
            await bob.Send(community, channel, "hello from gateway 2");
            await ann.WaitUntil(u => u.Shown(community, channel).Count == 2, what: "bob's message at ann's gateway");
            await bob.WaitUntil(u => u.Shown(community, channel).Count == 2, what: "ann's message at bob's gateway");

            var (downCode, downOutput) = await Run("down", PortBase);
            Assert.True(downCode == 0, downOutput);
            Assert.All(pids, pid => Assert.True(!IsAlive(pid), $"process {pid} still runs after down"));
            Assert.False(Directory.Exists(pidDir));
        }
        finally
        {
            await Run("down", PortBase);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
