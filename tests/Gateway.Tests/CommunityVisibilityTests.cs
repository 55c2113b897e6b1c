using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CommunityScale.Access;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

/// <summary>Public, restricted and private communities; invites and join requests, through the public API.</summary>
[Collection(SharedSystem.Name)]
[Trait("Area", "Roles")]
public sealed class CommunityVisibilityTests(SystemFixture fixture)
{
    private static async Task<string> NewCommunity(TestUser owner, string visibility)
    {
        var community = $"v-{Guid.NewGuid():n}"[..20];
        (await owner.PostAsync("/api/communities", new { id = community, name = "Club", visibility })).EnsureSuccessStatusCode();
        (await owner.PostAsync($"/api/communities/{community}/channels", new { id = "live", name = "Live" })).EnsureSuccessStatusCode();
        return community;
    }

    [Fact]
    public async Task A_private_community_does_not_exist_for_outsiders_until_they_join_with_an_invite()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "pv-olga");
        await using var guest = await TestUser.ConnectAsync(fixture.Url, "pv-gus");
        await using var late = await TestUser.ConnectAsync(fixture.Url, "pv-lee", connectHub: false);
        var community = await NewCommunity(owner, "private");
        await owner.Send(community, "live", "members only");

        Assert.Equal(CommunityVisibility.Private, (await owner.GetAsync<CommunityInfo>($"/api/communities/{community}")).Visibility);
        foreach (var path in new[] { "", "/channels", "/channels/live/messages", "/channels/live/permissions/me" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await guest.Http.GetAsync($"/api/communities/{community}{path}")).StatusCode);
        }

        Assert.Equal("not_found", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() => guest.JoinChannel(community, "live"))));
        Assert.Equal(HttpStatusCode.NotFound, (await guest.PostAsync($"/api/communities/{community}/members")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await guest.PostAsync($"/api/communities/{community}/join-requests")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await guest.PostAsync($"/api/communities/{community}/members?invite=0123456789abcdef0123")).StatusCode);

        // A one-use invite: the guest joins with it, and then it is spent.
        Assert.Equal(HttpStatusCode.NotFound, (await guest.PostAsync($"/api/communities/{community}/invites", new { maxUses = 1 })).StatusCode);
        var invite = await (await owner.PostAsync($"/api/communities/{community}/invites", new { maxUses = 1, expiresInMinutes = 60 })).Created<Invite>();
        Assert.True(invite.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(55));
        var joined = await (await guest.PostAsync($"/api/communities/{community}/members?invite={invite.Code}")).Read<MemberInfo>();
        Assert.Equal(guest.UserId, joined.UserId);
        var spent = await late.PostAsync($"/api/communities/{community}/members?invite={invite.Code}");
        Assert.Equal(HttpStatusCode.Forbidden, spent.StatusCode);
        Assert.Contains("used up", await spent.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var page = await guest.JoinChannel(community, "live");
        Assert.Equal(["members only"], page.Messages.Select(m => m.Text));
        Assert.True((await guest.Send(community, "live", "thanks for the invite")).Seq > 0);

        // A revoked invite lets nobody in; the audit log has the invite's life.
        var second = await (await owner.PostAsync($"/api/communities/{community}/invites", new { })).Created<Invite>();
        Assert.True((await owner.Http.DeleteAsync($"/api/communities/{community}/invites/{second.Code}")).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await late.PostAsync($"/api/communities/{community}/members?invite={second.Code}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await late.Http.GetAsync($"/api/communities/{community}")).StatusCode);
        var invites = await owner.GetAsync<Invite[]>($"/api/communities/{community}/invites");
        Assert.Equal([(1, false), (0, true)], invites.Select(i => (i.Uses, i.Revoked)));
        await Responses.Eventually(async () =>
        {
            var audit = (await owner.GetAsync<JsonElement>($"/api/communities/{community}/moderation/audit?limit=50")).GetRawText();
            return audit.Contains("invite_created", StringComparison.Ordinal) && audit.Contains("invite_used", StringComparison.Ordinal)
                && audit.Contains("invite_revoked", StringComparison.Ordinal);
        }, "the invites in the audit log");
    }

    [Fact]
    public async Task A_restricted_community_is_visible_and_a_moderator_admits_those_who_ask()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "rs-olga", connectHub: false);
        await using var fan = await TestUser.ConnectAsync(fixture.Url, "rs-fan");
        await using var other = await TestUser.ConnectAsync(fixture.Url, "rs-oth", connectHub: false);
        var community = await NewCommunity(owner, "restricted");

        Assert.Equal(CommunityVisibility.Restricted, (await fan.GetAsync<CommunityInfo>($"/api/communities/{community}")).Visibility);
        Assert.Empty(await fan.GetAsync<ChannelInfo[]>($"/api/communities/{community}/channels"));
        Assert.Equal(HttpStatusCode.NotFound, (await fan.Http.GetAsync($"/api/communities/{community}/channels/live/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fan.PostAsync($"/api/communities/{community}/members")).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await fan.PostAsync($"/api/communities/{community}/join-requests")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await other.PostAsync($"/api/communities/{community}/join-requests")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fan.Http.GetAsync($"/api/communities/{community}/join-requests")).StatusCode);
        var waiting = await owner.GetAsync<JoinRequest[]>($"/api/communities/{community}/join-requests");
        Assert.Equal([fan.UserId, other.UserId], waiting.Select(r => r.UserId));

        var admitted = await (await owner.PostAsync($"/api/communities/{community}/join-requests/{fan.UserId}/approve")).Read<MemberInfo>();
        Assert.Equal(MemberRole.Member, admitted.Role);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.PostAsync($"/api/communities/{community}/join-requests/{other.UserId}/decline")).StatusCode);
        Assert.Empty(await owner.GetAsync<JoinRequest[]>($"/api/communities/{community}/join-requests"));
        Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsync($"/api/communities/{community}/members")).StatusCode);

        Assert.True((await fan.Send(community, "live", "glad to be in")).Seq > 0);
        Assert.Equal(["live"], (await fan.GetAsync<ChannelInfo[]>($"/api/communities/{community}/channels")).Select(c => c.Id));
    }

    [Fact]
    public async Task Making_a_public_community_private_drops_visitors_live_and_hides_it()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "mp-olga");
        await using var visitor = await TestUser.ConnectAsync(fixture.Url, "mp-vic");
        var community = await NewCommunity(owner, "public");
        await visitor.JoinChannel(community, "live");
        Assert.Equal(HttpStatusCode.Forbidden, (await visitor.Http.PutAsJsonAsync($"/api/communities/{community}/visibility", new { visibility = "private" })).StatusCode);

        var changed = await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/visibility", new { visibility = "private" })).Read<CommunityInfo>();
        Assert.Equal(CommunityVisibility.Private, changed.Visibility);
        await visitor.WaitUntil(u => u.AccessLost.Any(a => a.CommunityId == community), what: "ChannelAccessLost");
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.Http.GetAsync($"/api/communities/{community}")).StatusCode);
        await Responses.Eventually(async () => (await visitor.Http.GetAsync($"/api/communities/{community}/channels/live/messages")).StatusCode == HttpStatusCode.NotFound,
            "history hidden from the visitor");
    }
}
