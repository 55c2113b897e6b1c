using System.Net;
using System.Net.Http.Json;
using CommunityScale.Moderation;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Moderation")]
public sealed class ModerationApiTests(SystemFixture fixture)
{
    [Fact]
    public async Task An_owner_sets_the_policy_and_slow_mode_over_rest_and_members_see_the_reasons_on_the_hub()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, channel) = await SystemFixture.NewChannel(owner, ann);

        var refused = await ann.Http.PutAsJsonAsync($"/api/communities/{community}/moderation/policy", new { blockedTerms = new[] { "spam" } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.GetAsync($"/api/communities/{community}/moderation/policy")).StatusCode);

        var tooLong = await owner.Http.PutAsJsonAsync($"/api/communities/{community}/moderation/policy", new { blockedTerms = new[] { new string('x', 101) } });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);

        var set = await owner.Http.PutAsJsonAsync($"/api/communities/{community}/moderation/policy", new { blockedTerms = new[] { "spam", "*scam*" }, allowedWords = new[] { "scampi" } });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var policy = await owner.GetAsync<ModerationPolicy>($"/api/communities/{community}/moderation/policy");
        Assert.Equal(["spam", "*scam*"], policy.BlockedTerms);

        var blocked = await Assert.ThrowsAsync<HubException>(() => ann.Send(community, channel, "free S.P.A.M here"));
        Assert.Equal("blocked_content", SystemFixture.CodeOf(blocked));
        await ann.Send(community, channel, "scampi for dinner");

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.PutAsJsonAsync($"/api/communities/{community}/channels/{channel}/slow-mode", new { seconds = 20 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/channels/{channel}/slow-mode", new { seconds = 99999 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/channels/{channel}/slow-mode", new { seconds = 20 })).StatusCode);
        await ann.Send(community, channel, "one");
        var slow = await Assert.ThrowsAsync<HubException>(() => ann.Send(community, channel, "two"));
        Assert.Equal("slow_mode", SystemFixture.CodeOf(slow));
        Assert.Matches("(19|20) s left", slow.Message);

        var history = await ann.GetAsync<Chat.HistoryPage>($"/api/communities/{community}/channels/{channel}/messages");
        Assert.Equal(["scampi for dinner", "one"], history.Messages.Select(m => m.Text));
    }
}
