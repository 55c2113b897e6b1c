using CommunityScale.Chat;
using CommunityScale.Communities;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// A fan's channel asks the fan's member grain for the membership and the community-wide posting budget on the send
/// path. When storage hangs (a frozen Azurite in the chaos soak), a turn of the member that writes waits with it; the
/// send must not wait behind that turn.
/// </summary>
[Collection(FlakyStorageCluster.Name)]
[Trait("Area", "Operations")]
public sealed class MemberWhileStorageHangsTests(FlakyStorageClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "Owner");
    private static readonly Actor Ann = new("ann", "Ann");

    [Fact]
    public async Task A_fan_can_post_while_a_write_of_their_membership_hangs()
    {
        var client = fixture.Client;
        var community = $"h-{Guid.NewGuid():n}";
        await client.GetGrain<ICommunityGrain>(community).Create("Hanging", Owner);
        await client.GetGrain<ICommunityGrain>(community).Join(Ann);
        await client.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, Owner);
        var channel = client.Channel(new ChannelKey(community, "live"));
        await channel.Send(new SendMessageCommand(Ann.UserId, Ann.DisplayName, "before", "m1"));

        var member = client.Member(community, Ann.UserId);
        fixture.Storage.HoldWrites = (state, grain) => state == "member" && grain.ToString().Contains(community, StringComparison.Ordinal);
        try
        {
            // A profile change writes the membership at once, so its turn hangs with the store.
            var hanging = member.SetProfile(new Dictionary<string, IReadOnlyList<string>>());
            while (fixture.Storage.Holding == 0)
            {
                Assert.False(hanging.IsCompleted, "the profile write did not reach the store");
                await Task.Delay(20);
            }

            // Past the channel's membership cache (50 ms here), so the send asks the member grain again.
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var send = channel.Send(new SendMessageCommand(Ann.UserId, Ann.DisplayName, "while storage hangs", "m2"));
            var first = await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(30)));
            Assert.Same(send, first);
            Assert.Equal(2, (await send).Seq);
            Assert.False(hanging.IsCompleted);
            Assert.Equal(Ann.UserId, (await member.Get())?.UserId);
        }
        finally
        {
            fixture.Storage.ReleaseHeld();
        }
    }
}
