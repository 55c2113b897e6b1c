using System.Net;
using System.Net.Http.Json;
using CommunityScale.Gamification;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Gamification")]
public sealed class GamificationApiTests(SystemFixture fixture)
{
    [Fact]
    public async Task A_fan_sees_points_arrive_live_after_chatting_and_finds_themselves_on_the_leaderboards()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        var (community, channel) = await SystemFixture.NewChannel(owner, ann, bob);
        await ann.WatchCommunity(community);
        var points = new List<PointsAwarded>();
        ann.Hub.On<PointsAwarded>("PointsAwarded", p => { lock (points) { points.Add(p); } });
        var badges = new List<BadgeEarned>();
        ann.Hub.On<BadgeEarned>("BadgeEarned", b => { lock (badges) { badges.Add(b); } });
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.PutAsJsonAsync($"/api/communities/{community}/me/gamification", new { timeZone = "Nowhere/Land" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ann.Http.PutAsJsonAsync($"/api/communities/{community}/me/gamification", new { timeZone = "Europe/Vienna" })).StatusCode);

        await ann.Send(community, channel, "Tor!");
        await ann.Send(community, channel, "Noch eins!");
        await bob.Send(community, channel, "Ja!");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && (points.Count(p => p.CommunityId == community) < 2 || !badges.Any(b => b.CommunityId == community)))
        {
            await Task.Delay(50);
        }

        lock (points)
        {
            Assert.Equal([1L, 2L], points.Where(p => p.CommunityId == community).Select(p => p.Total).Order());
            Assert.All(points, p => Assert.Equal(ActionKinds.MessageAccepted, p.Kind));
        }

        lock (badges)
        {
            Assert.Equal([("first_message", BadgeTier.Bronze)], badges.Where(b => b.CommunityId == community).Select(b => (b.Badge.Id, b.Badge.Tier)));
        }

        var profile = await ann.GetAsync<PointsProfile>($"/api/communities/{community}/members/ann/points");
        Assert.Equal((2L, 2L, 1, "Europe/Vienna"), (profile.Points, profile.WeekPoints, profile.Streak, profile.TimeZone));
        Assert.Equal(["first_message"], profile.Badges!.Select(b => b.Id));
        // The boards follow each gathered points write, within Points:BoardDelay (api.md): a member's second award can reach
        // the board a window after the first, so wait for both members' totals, not only for both members.
        LeaderboardPage board = null!;
        await Responses.Eventually(async () =>
        {
            board = await ann.GetAsync<LeaderboardPage>($"/api/communities/{community}/leaderboards/all?limit=10");
            return board.Members == 2 && board.Entries.Sum(e => e.Points) == 3;
        }, "both members' totals on the all-time board");

        Assert.Equal([("ann", 2L, 1L), ("bob", 1L, 2L)], board.Entries.Select(e => (e.UserId, e.Points, e.Rank)));
        // The week's and the channel's boards hear in the same gathered send as the all-time one, in calls of their own.
        await Responses.Eventually(async () => (await ann.GetAsync<LeaderboardPage>($"/api/communities/{community}/leaderboards/week")).Entries.Select(e => e.UserId).SequenceEqual(["ann", "bob"]), "the weekly board");
        await Responses.Eventually(async () => (await ann.GetAsync<LeaderboardPage>($"/api/communities/{community}/channels/{channel}/leaderboard")).Entries.Select(e => e.UserId).SequenceEqual(["ann", "bob"]), "the channel board");
        Assert.Equal(2, (await bob.GetAsync<LeaderboardEntry>($"/api/communities/{community}/leaderboards/all/me")).Rank);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.Http.GetAsync($"/api/communities/{community}/leaderboards/all/me")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.GetAsync($"/api/communities/{community}/leaderboards/yesterday")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.GetAsync($"/api/communities/{community}/leaderboards/all?offset=990&limit=20")).StatusCode);
    }

    [Fact]
    public async Task Admins_edit_the_points_rules_over_rest_and_members_cannot()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, _) = await SystemFixture.NewChannel(owner, ann);
        var rules = $"/api/communities/{community}/gamification/rules";
        var update = new { actions = new Dictionary<string, object> { ["message_accepted"] = new { points = 3, fullPerDay = 10, dailyCap = 20 } } };

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.PutAsJsonAsync(rules, update)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PutAsJsonAsync(rules, new { levelThresholds = new[] { 100, 10 } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PutAsJsonAsync(rules, new { actions = new Dictionary<string, object> { ["sleeping"] = new { points = 1, fullPerDay = 1, dailyCap = 1 } } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.PutAsJsonAsync(rules, update)).StatusCode);
        var current = await ann.GetAsync<PointsRules>(rules);
        Assert.Equal((1L, 3), (current.Version, current.Actions["message_accepted"].Points));

        var challenges = $"/api/communities/{community}/gamification/challenges";
        var challenge = new { id = "week-talk", title = "Talk 5 times this week", kind = "message_accepted", target = 5, startsAt = DateTimeOffset.UtcNow, endsAt = DateTimeOffset.UtcNow.AddDays(7), bonusPoints = 20 };
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.PostAsync(challenges, challenge)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsync(challenges, challenge with { target = -1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsync(challenges, challenge)).StatusCode);
        Assert.Equal(["week-talk"], (await ann.GetAsync<List<Challenge>>(challenges)).Select(c => c.Id));
    }
}
