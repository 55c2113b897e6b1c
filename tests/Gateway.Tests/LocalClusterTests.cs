using System.Diagnostics;
using System.Globalization;
using CommunityScale.TestSupport;

namespace CommunityScale.Gateway.Tests;

[Trait("Area", "Cluster")]
public sealed class LocalClusterTests
{
    /// <summary>
    /// The scale-out shape of issue 25 as an operator starts it: 2 silos and 4 gateways on Redis clustering. One
    /// message reaches the clients of every gateway once and in order; a gateway killed with SIGKILL loses its clients,
    /// which reconnect to the others with their last seq and converge on the whole history; `down` stops every process.
    /// </summary>
    [Fact]
    public async Task Four_gateways_deliver_once_in_order_and_the_clients_of_a_killed_gateway_converge_on_the_others()
    {
        // A port range of its own: away from the ephemeral ports other tests take.
        const int PortBase = 7400;
        const int Gateways = 4;
        var pidDir = Path.Combine(RepoPaths.Root, ".run", $"local-cluster-{PortBase}");
        var users = new List<TestUser>();
        try
        {
            var (code, output) = await LocalClusterScript.Run("up", PortBase, Gateways);
            Assert.True(code == 0, output);
            var gateways = LocalClusterScript.Gateways(output);
            Assert.Equal(Gateways, gateways.Count);
            var pids = Directory.GetFiles(pidDir, "*.pid").Select(f => int.Parse(File.ReadAllText(f).Trim(), CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(2 + 2 + Gateways, pids.Count);

            // Two fans on each gateway; the first is the channel's owner.
            for (var i = 0; i < 2 * Gateways; i++)
            {
                users.Add(await TestUser.ConnectAsync(gateways[i % Gateways], $"fan{i}"));
            }

            var (community, channel) = await SystemFixture.NewChannel(users[0], [.. users.Skip(1)]);
            foreach (var user in users)
            {
                await user.JoinChannel(community, channel);
            }

            // Fans of the first three gateways take turns (the member rate limit allows 5 messages per 5 s each).
            var senders = users.Take(Gateways - 1).ToArray();
            TestUser Sender(int n) => senders[n % senders.Length];
            for (var n = 1; n <= 5; n++)
            {
                await Sender(n).Send(community, channel, $"live {n}");
            }

            foreach (var user in users)
            {
                await user.WaitUntil(u => u.Shown(community, channel).Count == 5, what: "five messages at every gateway");
            }

            // Once and in order: what each connection received, not what a client would show after dropping repeats.
            Assert.All(users, u => Assert.Equal([1L, 2, 3, 4, 5], SeqsReceived(u, community, channel)));

            // The last gateway dies without draining; its two clients lose their connection.
            var killedPid = int.Parse(File.ReadAllText(Path.Combine(pidDir, $"gateway-{Gateways}.pid")).Trim(), CultureInfo.InvariantCulture);
            using (var killed = Process.GetProcessById(killedPid))
            {
                killed.Kill();
                await killed.WaitForExitAsync();
            }

            var stranded = users.Where((_, i) => i % Gateways == Gateways - 1).ToList();
            var lastSeen = stranded.ToDictionary(u => u.UserId, u => u.Shown(community, channel)[^1].Seq);
            for (var n = 6; n <= 8; n++)
            {
                await Sender(n).Send(community, channel, $"while gateway {Gateways} is down {n}");
            }

            // They come back through the surviving gateways with the last seq they showed.
            foreach (var (lost, index) in stranded.Select((u, i) => (u, i)))
            {
                await lost.DisposeAsync();
                users.Remove(lost);
                var moved = await TestUser.ConnectAsync(gateways[index % (Gateways - 1)], lost.UserId);
                users.Add(moved);
                var caughtUp = await moved.JoinChannel(community, channel, lastSeen[lost.UserId]);
                Assert.Equal([6L, 7, 8], caughtUp.Messages.Select(m => m.Seq));
                Assert.Equal(8, caughtUp.LastSeq);
            }

            await Sender(9).Send(community, channel, "after the move");
            foreach (var user in users)
            {
                await user.WaitUntil(u => u.Received.Any(m => m.ChannelId == channel && m.Seq == 9), what: "the message after the move at every client");
            }

            // Everyone who stayed connected received 1-9 once and in order; the moved clients show 9 after their catch-up.
            // A moved client may also get 8 live: it joins the group before its new gateway has relayed 8, and the join
            // subscribes before it reads history so nothing falls between; clients drop what they hold by seq.
            Assert.All(users.Where(u => !stranded.Any(s => s.UserId == u.UserId)),
                u => Assert.Equal([1L, 2, 3, 4, 5, 6, 7, 8, 9], SeqsReceived(u, community, channel)));
            Assert.All(users.Where(u => stranded.Any(s => s.UserId == u.UserId)),
                u => Assert.Equal([9L], u.Shown(community, channel, afterSeq: 8).Select(m => m.Seq)));

            foreach (var user in users)
            {
                await user.DisposeAsync();
            }

            users.Clear();
            var (downCode, downOutput) = await LocalClusterScript.Run("down", PortBase, Gateways);
            Assert.True(downCode == 0, downOutput);
            Assert.All(pids, pid => Assert.True(!IsAlive(pid), $"process {pid} still runs after down"));
            Assert.False(Directory.Exists(pidDir));
        }
        finally
        {
            foreach (var user in users)
            {
                await user.DisposeAsync();
            }

            await LocalClusterScript.Run("down", PortBase, Gateways);
        }
    }

    private static long[] SeqsReceived(TestUser user, string community, string channel) =>
        [.. user.Received.Where(m => m.CommunityId == community && m.ChannelId == channel).Select(m => m.Seq)];

    // A process the script started is reparented to pid 1 when the script exits, and pid 1 here reaps late: an exited
    // process may stay a zombie for a while, which has stopped running (as the scripts' pid_running says too).
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() is not ('Z' or 'X' or '\0');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
