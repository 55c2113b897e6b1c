using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;

namespace CommunityScale.Gateway.Tests;

/// <summary>The community-wide flood limit: a member cannot spread a flood over channels.</summary>
[Collection(SharedSystem.Name)]
[Trait("Area", "Roles")]
public sealed class FloodLimitTests(SystemFixture fixture)
{
    [Fact]
    public async Task A_member_spreading_posts_over_channels_meets_the_community_wide_limit_and_moderators_do_not()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "fl-olga");
        await using var fan = await TestUser.ConnectAsync(fixture.Url, "fl-fan");
        var (community, _) = await SystemFixture.NewChannel(owner, fan);
        var channels = Enumerable.Range(1, 7).Select(i => $"room{i}").ToList();
        foreach (var channel in channels)
        {
            (await owner.PostAsync($"/api/communities/{community}/channels", new { id = channel, name = channel })).EnsureSuccessStatusCode();
        }

        // Three posts in each of seven channels: under each channel's limit (5 per 5 s), over the community's (20 per 10 s).
        var accepted = 0;
        HubException? refused = null;
        foreach (var channel in channels)
        {
            for (var i = 0; i < 3 && refused is null; i++)
            {
                try
                {
                    await fan.Send(community, channel, $"{channel} {i}");
                    accepted++;
                }
                catch (HubException ex)
                {
                    refused = ex;
                }
            }
        }

        Assert.NotNull(refused);
        Assert.Equal("rate_limited", SystemFixture.CodeOf(refused));
        Assert.Contains("across the community", refused.Message, StringComparison.Ordinal);
        Assert.Equal(20, accepted);

        // The owner is not limited, wherever they post.
        foreach (var channel in channels)
        {
            for (var i = 0; i < 4; i++)
            {
                Assert.True((await owner.Send(community, channel, $"owner {channel} {i}")).Seq > 0);
            }
        }
    }
}
