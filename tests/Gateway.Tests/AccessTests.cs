using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

/// <summary>Roles, overrides and who may read and do what in chat, through the public API and real hub connections.</summary>
[Collection(SharedSystem.Name)]
[Trait("Area", "Roles")]
public sealed class AccessTests(SystemFixture fixture)
{
    private sealed record Role(string Id, string Name, string Colour, int Position, string[] Permissions, bool BuiltIn);

    private sealed record Perms(string[] Permissions);

    /// <summary>A community with a public "live" channel and a "staff" channel only the staff role views, Sam holding that role.</summary>
    private static async Task<string> StaffCommunity(TestUser owner, TestUser sam, params TestUser[] others)
    {
        var (community, _) = await SystemFixture.NewChannel(owner, [sam, .. others]);
        (await owner.PostAsync($"/api/communities/{community}/channels", new { id = "staff", name = "Staff" })).EnsureSuccessStatusCode();
        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/roles/staff",
            new { name = "Staff", colour = "#1E88E5", position = 10, permissions = new[] { "view", "send", "react" } })).Read<Role>();
        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/members/{sam.UserId}/roles", new { roles = new[] { "staff" } })).Read<MemberInfo>();
        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/channels/staff/overrides", new
        {
            overrides = new object[] { new { role = "everyone", deny = new[] { "view" } }, new { role = "staff", allow = new[] { "view" } } },
        })).Read<JsonElement>();
        return community;
    }

    [Fact]
    public async Task A_staff_channel_is_invisible_to_members_without_the_role_on_every_read_and_write_path()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "acc-olga");
        await using var sam = await TestUser.ConnectAsync(fixture.Url, "acc-sam");
        await using var max = await TestUser.ConnectAsync(fixture.Url, "acc-max");
        await using var visitor = await TestUser.ConnectAsync(fixture.Url, "acc-vic");
        var community = await StaffCommunity(owner, sam, max);

        await sam.JoinChannel(community, "staff");
        var secret = await sam.Send(community, "staff", "the roadmap is in the drive");
        Assert.True(secret.Seq > 0);

        foreach (var outsider in new[] { max, visitor })
        {
            // Listings and counts do not show it; reads say it does not exist.
            var channels = await outsider.GetAsync<ChannelInfo[]>($"/api/communities/{community}/channels");
            Assert.Equal(["live"], channels.Select(c => c.Id));
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.Http.GetAsync($"/api/communities/{community}/channels/staff/messages")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.Http.GetAsync($"/api/communities/{community}/channels/staff/permissions/me")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.Http.GetAsync($"/api/communities/{community}/channels/staff/leaderboard")).StatusCode);
            Assert.Equal("not_found", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() => outsider.JoinChannel(community, "staff"))));
            Assert.Equal("not_found", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() => outsider.JoinChannel(community, "staff", 0))));
        }

        Assert.Equal("not_found", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() => max.Send(community, "staff", "let me in"))));
        Assert.Equal("not_found", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() =>
            max.Hub.InvokeAsync<MessageReactionCounts>("React", community, "staff", secret.Seq, "👍", true))));
        Assert.Equal("not_found", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() =>
            max.Hub.InvokeAsync<ChatMessage>("EditMessage", community, "staff", secret.Seq, "edited"))));
        Assert.Equal("not_member", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() => visitor.Send(community, "staff", "hello"))));

        // Nothing reached them, and nothing changed: the staff history holds Sam's message alone.
        Assert.DoesNotContain(max.Received, m => m.ChannelId == "staff");
        var history = await sam.GetAsync<HistoryPage>($"/api/communities/{community}/channels/staff/messages");
        Assert.Equal(["the roadmap is in the drive"], history.Messages.Select(m => m.Text));
        Assert.Empty(history.Messages[0].Reactions ?? new Dictionary<string, int>());
        Assert.Equal(["live", "staff"], (await sam.GetAsync<ChannelInfo[]>($"/api/communities/{community}/channels")).Select(c => c.Id).Order());
        Assert.Equal(["live", "staff"], (await owner.GetAsync<ChannelInfo[]>($"/api/communities/{community}/channels")).Select(c => c.Id).Order());

        // A public channel stays readable by a signed-in visitor, who still cannot post.
        Assert.Equal(HttpStatusCode.OK, (await visitor.Http.GetAsync($"/api/communities/{community}/channels/live/messages")).StatusCode);
        Assert.Equal(["view"], (await visitor.GetAsync<Perms>($"/api/communities/{community}/channels/live/permissions/me")).Permissions);
    }

    [Fact]
    public async Task An_announcement_channel_is_read_by_everyone_and_written_by_one_role()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "ann-olga");
        await using var herald = await TestUser.ConnectAsync(fixture.Url, "ann-herald");
        await using var fan = await TestUser.ConnectAsync(fixture.Url, "ann-fan");
        var (community, _) = await SystemFixture.NewChannel(owner, herald, fan);
        (await owner.PostAsync($"/api/communities/{community}/channels", new { id = "news", name = "News" })).EnsureSuccessStatusCode();
        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/roles/herald", new { name = "Herald", position = 5, permissions = new[] { "view" } })).Read<Role>();
        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/members/{herald.UserId}/roles", new { roles = new[] { "herald" } })).Read<MemberInfo>();
        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/channels/news/overrides", new
        {
            overrides = new object[] { new { role = "everyone", deny = new[] { "send", "react" } }, new { role = "herald", allow = new[] { "send" } } },
        })).Read<JsonElement>();

        await fan.JoinChannel(community, "news");
        var news = await herald.Send(community, "news", "Doors open at 7");
        await fan.WaitUntil(u => u.Shown(community, "news").Count == 1, what: "the announcement");
        Assert.Equal("forbidden", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() => fan.Send(community, "news", "me too"))));
        Assert.Equal("forbidden", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() =>
            fan.Hub.InvokeAsync<MessageReactionCounts>("React", community, "news", news.Seq, "👍", true))));
        Assert.Equal(["view", "attach", "create_threads", "reply"], (await fan.GetAsync<Perms>($"/api/communities/{community}/channels/news/permissions/me")).Permissions);
        Assert.Contains("send", (await herald.GetAsync<Perms>($"/api/communities/{community}/channels/news/permissions/me")).Permissions);

        // The fan may still speak elsewhere.
        Assert.True((await fan.Send(community, "live", "see you there")).Seq > 0);
        var history = await fan.GetAsync<HistoryPage>($"/api/communities/{community}/channels/news/messages");
        Assert.Equal(["Doors open at 7"], history.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Losing_the_role_while_connected_drops_the_connection_from_the_channel_and_refuses_its_sends()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "rev-olga");
        await using var sam = await TestUser.ConnectAsync(fixture.Url, "rev-sam");
        var community = await StaffCommunity(owner, sam);
        await sam.JoinChannel(community, "staff");
        await sam.JoinChannel(community, "live");
        await owner.JoinChannel(community, "staff");
        await owner.Send(community, "staff", "before");
        await sam.WaitUntil(u => u.Shown(community, "staff").Count == 1, what: "the staff message");

        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/members/{sam.UserId}/roles", new { roles = Array.Empty<string>() })).Read<MemberInfo>();
        await sam.WaitUntil(u => u.AccessLost.Any(a => a.ChannelId == "staff"), what: "ChannelAccessLost");
        Assert.DoesNotContain(sam.AccessLost, a => a.ChannelId == "live");

        await owner.Send(community, "staff", "after");
        await Responses.Eventually(async () =>
        {
            try
            {
                await sam.Send(community, "staff", "still here?");
                return false;
            }
            catch (HubException ex) when (SystemFixture.CodeOf(ex) == "not_found")
            {
                return true;
            }
        }, "sends to the staff channel refused");

        // Live delivery goes on where Sam may still view: a message in "live" arrives, "after" never did.
        await owner.Send(community, "live", "lobby");
        await sam.WaitUntil(u => u.Shown(community, "live").Any(m => m.Text == "lobby"), what: "the lobby message");
        Assert.Equal(["before"], sam.Shown(community, "staff").Select(m => m.Text));
        Assert.Equal(HttpStatusCode.NotFound, (await sam.Http.GetAsync($"/api/communities/{community}/channels/staff/messages")).StatusCode);
        var staffHistory = await owner.GetAsync<HistoryPage>($"/api/communities/{community}/channels/staff/messages");
        Assert.Equal(["before", "after"], staffHistory.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Managing_roles_needs_manage_roles_a_higher_position_and_only_grants_what_the_manager_holds()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "mgr-olga", connectHub: false);
        await using var lead = await TestUser.ConnectAsync(fixture.Url, "mgr-lead", connectHub: false);
        await using var fan = await TestUser.ConnectAsync(fixture.Url, "mgr-fan", connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, lead, fan);
        var roles = $"/api/communities/{community}/roles";

        Assert.Equal(HttpStatusCode.Forbidden, (await fan.Http.PutAsJsonAsync($"{roles}/vip", new { name = "VIP", position = 1, permissions = new[] { "view" } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PutAsJsonAsync($"{roles}/vip", new { name = "VIP", position = 1, permissions = new[] { "fly" } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PutAsJsonAsync($"{roles}/vip", new { name = "VIP", position = 5000, permissions = new[] { "view" } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PutAsJsonAsync($"{roles}/admin", new { permissions = new[] { "view" } })).StatusCode);

        await (await owner.Http.PutAsJsonAsync($"{roles}/lead", new { name = "Community lead", position = 50, permissions = new[] { "view", "send", "manage_roles", "view_kpis" } })).Read<Role>();
        await (await owner.Http.PutAsJsonAsync($"{roles}/vip", new { name = "VIP", position = 60, permissions = new[] { "view" } })).Read<Role>();
        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/members/{lead.UserId}/roles", new { roles = new[] { "lead" } })).Read<MemberInfo>();

        // The lead manages roles below their own, granting only what they hold.
        await (await lead.Http.PutAsJsonAsync($"{roles}/helper", new { name = "Helper", position = 10, permissions = new[] { "view", "send", "view_kpis" } })).Read<Role>();
        Assert.Equal(HttpStatusCode.Forbidden, (await lead.Http.PutAsJsonAsync($"{roles}/helper", new { name = "Helper", position = 10, permissions = new[] { "moderate" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await lead.Http.PutAsJsonAsync($"{roles}/boss", new { name = "Boss", position = 70, permissions = new[] { "view" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await lead.Http.PutAsJsonAsync($"/api/communities/{community}/members/{fan.UserId}/roles", new { roles = new[] { "vip" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await lead.Http.PutAsJsonAsync($"/api/communities/{community}/members/{owner.UserId}/roles", new { roles = new[] { "helper" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await lead.Http.PutAsJsonAsync($"/api/communities/{community}/members/{fan.UserId}/roles", new { roles = new[] { "nope" } })).StatusCode);
        var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var kpis = $"/api/communities/{community}/kpis?from={today}&to={today}";
        Assert.Equal(HttpStatusCode.Forbidden, (await fan.Http.GetAsync(kpis)).StatusCode);
        var fanRoles = await (await lead.Http.PutAsJsonAsync($"/api/communities/{community}/members/{fan.UserId}/roles", new { roles = new[] { "helper" } })).Read<MemberInfo>();
        Assert.Equal(["helper"], fanRoles.Roles);

        // view_kpis alone opens the KPIs; the role list shows every role, highest first.
        Assert.Equal(HttpStatusCode.OK, (await lead.Http.GetAsync(kpis)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fan.Http.GetAsync(kpis)).StatusCode);
        Assert.Contains("view_kpis", (await fan.GetAsync<Perms>($"/api/communities/{community}/permissions/me")).Permissions);
        var listed = await fan.GetAsync<Role[]>(roles);
        Assert.Equal(["owner", "admin", "moderator", "vip", "lead", "helper", "everyone"], listed.Select(r => r.Id));

        // Deleting a role takes it from its holders, and the audit log says who did it.
        Assert.Equal(HttpStatusCode.NoContent, (await lead.Http.DeleteAsync($"{roles}/helper")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fan.Http.GetAsync(kpis)).StatusCode);
        Assert.DoesNotContain("view_kpis", (await fan.GetAsync<Perms>($"/api/communities/{community}/permissions/me")).Permissions);
        await Responses.Eventually(async () =>
            (await owner.GetAsync<JsonElement>($"/api/communities/{community}/moderation/audit?limit=50")).GetRawText().Contains("role_deleted", StringComparison.Ordinal),
            "the role's deletion in the audit log");
    }

    [Fact]
    public async Task A_member_made_moderator_moderates_those_below_and_not_those_above()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "mod-olga", connectHub: false);
        await using var mo = await TestUser.ConnectAsync(fixture.Url, "mod-mo", connectHub: false);
        await using var fan = await TestUser.ConnectAsync(fixture.Url, "mod-fan", connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, mo, fan);
        var moderation = $"/api/communities/{community}/moderation";
        Assert.Equal(HttpStatusCode.Forbidden, (await mo.PostAsync($"{moderation}/members/{fan.UserId}/mute", new { minutes = 5, reason = "calm down" })).StatusCode);

        var made = await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/members/{mo.UserId}/roles", new { roles = new[] { "moderator" } })).Read<MemberInfo>();
        Assert.Equal(MemberRole.Moderator, made.Role);
        Assert.Equal(HttpStatusCode.OK, (await mo.PostAsync($"{moderation}/members/{fan.UserId}/mute", new { minutes = 5, reason = "calm down" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fan.PostAsync($"{moderation}/members/{mo.UserId}/mute", new { minutes = 5, reason = "revenge" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await mo.PostAsync($"{moderation}/members/{owner.UserId}/mute", new { minutes = 5, reason = "coup" })).StatusCode);

        // Taking "moderate" from the moderators' role takes it from every moderator.
        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/roles/moderator", new { permissions = new[] { "view", "send", "manage_messages" } })).Read<Role>();
        Assert.Equal(HttpStatusCode.Forbidden, (await mo.PostAsync($"{moderation}/members/{fan.UserId}/ban", new { reason = "spam" })).StatusCode);
    }

    [Fact]
    public async Task A_webhook_gets_only_the_channels_its_creator_may_view()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Behave("dev", _ => Task.FromResult(200));
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "hk-olga");
        await using var sam = await TestUser.ConnectAsync(fixture.Url, "hk-sam");
        await using var dev = await TestUser.ConnectAsync(fixture.Url, "hk-dev", connectHub: false);
        var community = await StaffCommunity(owner, sam, dev);
        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/roles/integrator", new { name = "Integrator", position = 5, permissions = new[] { "view", "manage_webhooks" } })).Read<Role>();
        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/members/{dev.UserId}/roles", new { roles = new[] { "integrator" } })).Read<MemberInfo>();
        (await dev.PostAsync($"/api/communities/{community}/webhooks", new { url = receiver.HookUrl("dev"), events = new[] { "message.accepted" } })).EnsureSuccessStatusCode();

        await sam.Send(community, "staff", "salary review on friday");
        await sam.Send(community, "live", "kick-off at eight");
        await sam.Send(community, "staff", "keep it quiet");
        await sam.Send(community, "live", "see you all there");
        await Responses.Eventually(() => Task.FromResult(receiver.Delivered("dev").Count >= 2), "the public messages at the endpoint", TimeSpan.FromSeconds(30));

        // The staff messages were raised before and between the public ones, in the same award rounds: none came.
        var texts = receiver.Delivered("dev").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("text").GetString()).ToList();
        Assert.Equal(["kick-off at eight", "see you all there"], texts);
        Assert.DoesNotContain(receiver.All, r => r.Body.Contains("salary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_kpi_reader_sees_per_channel_figures_only_for_channels_they_may_view()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "kp-olga");
        await using var sam = await TestUser.ConnectAsync(fixture.Url, "kp-sam");
        await using var analyst = await TestUser.ConnectAsync(fixture.Url, "kp-ana", connectHub: false);
        var community = await StaffCommunity(owner, sam, analyst);
        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/roles/analyst", new { name = "Analyst", position = 5, permissions = new[] { "view", "view_kpis" } })).Read<Role>();
        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/members/{analyst.UserId}/roles", new { roles = new[] { "analyst" } })).Read<MemberInfo>();
        await sam.Send(community, "staff", "the budget is fine");
        await sam.Send(community, "live", "what a match");

        var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var kpis = $"/api/communities/{community}/kpis?from={today}&to={today}";
        await Responses.Eventually(async () =>
            (await owner.GetAsync<Insights.KpiReport>(kpis)).SentimentBreakdown?.Channels.Count == 2, "both channels scored in the owner's report", TimeSpan.FromSeconds(30));

        var seen = await analyst.GetAsync<Insights.KpiReport>(kpis);
        Assert.Equal(["live"], seen.SentimentBreakdown!.Channels.Select(c => c.Key));
        Assert.Equal(2, seen.Totals.Sentiment!.Scored);
    }
}
