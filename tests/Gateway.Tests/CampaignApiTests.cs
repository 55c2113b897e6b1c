using System.Net;
using System.Net.Http.Json;
using CommunityScale.Campaigns;
using CommunityScale.Communities;
using CommunityScale.Gamification;
using CommunityScale.Notifications;
using CommunityScale.TestSupport;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Events")]
public sealed class CampaignApiTests(SystemFixture fixture)
{
    [Fact]
    public async Task An_admin_runs_a_campaign_for_a_segment_and_its_members_earn_boosted_points_over_the_real_api()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        var (community, channel) = await SystemFixture.NewChannel(owner, ann, bob);
        var fields = $"/api/communities/{community}/profile-fields";
        var industry = new[] { new { id = "industry", label = "Industry", values = new[] { "retail", "finance" }, multiple = false } };
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.PutAsJsonAsync(fields, industry)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.PutAsJsonAsync(fields, industry)).StatusCode);
        Assert.Equal(["industry"], (await ann.GetAsync<List<ProfileField>>(fields)).Select(f => f.Id));
        var me = $"/api/communities/{community}/members/me/profile";
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.PutAsJsonAsync(me, new Dictionary<string, string[]> { ["industry"] = ["mining"] })).StatusCode);
        var annMember = await (await ann.Http.PutAsJsonAsync(me, new Dictionary<string, string[]> { ["industry"] = ["retail"] })).Read<MemberInfo>();
        Assert.Equal(["retail"], annMember.Profile!["industry"]);
        await (await bob.Http.PutAsJsonAsync(me, new Dictionary<string, string[]> { ["industry"] = ["finance"] })).Read<MemberInfo>();

        var now = DateTimeOffset.UtcNow;
        var campaign = new
        {
            id = "retail-week", title = "Retail week", startsAt = now.AddMinutes(-1), endsAt = now.AddDays(7), multiplier = 3.0,
            scope = new { channelIds = new[] { channel } }, segment = new { where = new Dictionary<string, string> { ["industry"] = "retail" } },
        };
        var campaigns = $"/api/communities/{community}/campaigns";
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.PostAsJsonAsync(campaigns, campaign)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PostAsJsonAsync(campaigns, campaign with { multiplier = 0.5 })).StatusCode);
        Assert.Equal("running", (await (await owner.Http.PostAsJsonAsync(campaigns, campaign)).Created<Campaign>()).Status);

        // The start (already due) is noticed by the campaign's reminder: the retail segment hears of it.
        await Responses.Eventually(async () => (await ann.GetAsync<NotificationPage>("/api/me/notifications?limit=50")).Items
            .Any(n => n.Kind == NotificationKinds.CampaignStarted && n.CommunityId == community), "Ann's campaign notice");
        Assert.DoesNotContain((await bob.GetAsync<NotificationPage>("/api/me/notifications?limit=50")).Items, n => n.CommunityId == community && n.Kind == NotificationKinds.CampaignStarted);

        await ann.Send(community, channel, "Retail rocks");
        await bob.Send(community, channel, "Finance too");
        await Responses.Eventually(async () => (await ann.GetAsync<PointsProfile>($"/api/communities/{community}/members/ann/points")).Points == 3, "Ann's tripled point");
        // Bob's award is his own points grain's work, not ordered with Ann's: wait for it too.
        await Responses.Eventually(async () => (await bob.GetAsync<PointsProfile>($"/api/communities/{community}/members/bob/points")).Points == 1, "Bob's plain point");
        await Responses.Eventually(async () => (await ann.GetAsync<Campaign>($"{campaigns}/retail-week")).Figures == new CampaignFigures(1, 1, 3), "the figures");
        // The board hears within Points:BoardDelay of the stored award (api.md).
        await Responses.Eventually(async () => (await ann.GetAsync<LeaderboardPage>($"{campaigns}/retail-week/leaderboard")).Entries
            .Select(e => (e.UserId, e.Points, e.Rank)).SequenceEqual([("ann", 3L, 1L)]), "Ann alone on the campaign board");
        Assert.Equal(["retail-week"], (await ann.GetAsync<List<Campaign>>(campaigns)).Select(c => c.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await ann.Http.GetAsync($"{campaigns}/nope")).StatusCode);
    }
}
