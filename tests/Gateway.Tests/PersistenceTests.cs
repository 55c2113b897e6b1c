using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Posting;
using CommunityScale.TestSupport;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Chat")]
public sealed class PersistenceTests(SystemFixture fixture)
{
    [Fact]
    public async Task Communities_memberships_channels_and_messages_survive_a_restart_of_silo_and_gateway()
    {
        // Its own silo and gateway on the shared Azurite, so restarting them disturbs no other test.
        await using var system = new ChatSystem(SystemFixture.Settings(fixture.Azurite));
        await system.StartAsync();
        string community, channel;
        SendAck firstAck;
        await using (var ann = await TestUser.ConnectAsync(system.GatewayUrl, "ann"))
        await using (var bob = await TestUser.ConnectAsync(system.GatewayUrl, "bob"))
        {
            (community, channel) = await SystemFixture.NewChannel(ann, bob);
            firstAck = await bob.Send(community, channel, "before restart", "bob-1");
            for (var i = 2; i <= 4; i++)
            {
                await ann.Send(community, channel, $"message {i}");
            }
        }

        await system.RestartAsync();

        await using var annAgain = await TestUser.ConnectAsync(system.GatewayUrl, "ann");
        await using var bobAgain = await TestUser.ConnectAsync(system.GatewayUrl, "bob");
        Assert.Equal("ann", (await bobAgain.GetAsync<CommunityInfo>($"/api/communities/{community}")).OwnerId);
        Assert.Equal(MemberRole.Member, (await annAgain.GetAsync<MemberInfo>($"/api/communities/{community}/members/bob")).Role);
        Assert.Equal(channel, Assert.Single(await bobAgain.GetAsync<List<ChannelInfo>>($"/api/communities/{community}/channels")).Id);

        var join = await bobAgain.JoinChannel(community, channel, afterSeq: 0);
        Assert.Equal(["before restart", "message 2", "message 3", "message 4"], join.Messages.Select(m => m.Text));

        // The retry of an acked send still returns the first ack; new sends continue the sequence.
        Assert.Equal(firstAck, await bobAgain.Send(community, channel, "before restart", "bob-1"));
        Assert.Equal(5, (await annAgain.Send(community, channel, "after restart")).Seq);
        await bobAgain.WaitUntil(u => u.Shown(community, channel, afterSeq: 4).Count == 1, what: "live delivery after restart");
    }
}
