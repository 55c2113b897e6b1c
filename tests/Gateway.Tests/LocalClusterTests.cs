using System.Diagnostics;
using System.Globalization;
using CommunityScale.TestSupport;

namespace CommunityScale.Gateway.Tests;

[Trait("Area", "Cluster")]
public sealed class LocalClusterTests
{
    [Fact]
    public async Task Local_cluster_up_starts_two_gateways_whose_clients_chat_and_down_stops_every_process()
    {
        // A port range of its own: away from the ephemeral ports other tests take.
        const int PortBase = 7400;
        var pidDir = Path.Combine(RepoPaths.Root, ".run", $"local-cluster-{PortBase}");
        try
        {
            var (code, output) = await LocalClusterScript.Run("up", PortBase);
            Assert.True(code == 0, output);
            var gateways = LocalClusterScript.Gateways(output);
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

            var (downCode, downOutput) = await LocalClusterScript.Run("down", PortBase);
            Assert.True(downCode == 0, downOutput);
            Assert.All(pids, pid => Assert.True(!IsAlive(pid), $"process {pid} still runs after down"));
            Assert.False(Directory.Exists(pidDir));
        }
        finally
        {
            await LocalClusterScript.Run("down", PortBase);
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
