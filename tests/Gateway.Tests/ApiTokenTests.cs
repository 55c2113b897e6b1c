using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using CommunityScale.Chat;
using CommunityScale.Integrations;
using CommunityScale.Posting;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Integrations")]
public sealed class ApiTokenTests(SystemFixture fixture)
{
    [Fact]
    public async Task A_bot_with_a_scoped_token_chats_like_a_member_stays_in_its_scope_and_stops_the_moment_it_is_revoked()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, channel) = await SystemFixture.NewChannel(owner, ann);
        var (other, _) = await SystemFixture.NewChannel(owner);
        var tokens = $"/api/communities/{community}/tokens";

        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsync(tokens, new { name = "Bot", scopes = new[] { "root" }, expiresInDays = 30 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsync(tokens, new { name = "Bot", scopes = new[] { "chat:write" }, expiresInDays = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.PostAsync(tokens, new { name = "Bot", scopes = new[] { "chat:write" }, expiresInDays = 30 })).StatusCode);
        var response = await owner.PostAsync(tokens, new { name = "Score bot", scopes = new[] { "chat:write" }, expiresInDays = 30 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<ApiTokenCreated>(TestUser.Json))!;
        Assert.StartsWith("cst_", created.Token, StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = fixture.Url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Token);
        await using var bot = new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.Url, "/hubs/community"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(created.Token))
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();
        await bot.StartAsync();

        await ann.JoinChannel(community, channel);
        await bot.InvokeAsync<JoinResult>("JoinChannel", community, channel, null);
        var ack = await bot.InvokeAsync<SendAck>("SendMessage", community, channel, "Goal! 1-0", "bot-1");
        await ann.WaitUntil(u => u.Received.Any(m => m.Seq == ack.Seq && m.AuthorName == "Score bot" && m.AuthorId == created.Info.BotUserId), what: "the bot's message");

        Assert.Equal("forbidden", Code(await Assert.ThrowsAsync<HubException>(() => bot.InvokeAsync<SendAck>("SendMessage", other, "live", "Wrong place", "bot-2"))));
        Assert.Equal("forbidden", Code(await Assert.ThrowsAsync<HubException>(() => bot.InvokeAsync<object>("WatchCommunity", community))));
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/api/communities/{community}/channels/{channel}/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/api/communities/{community}/threads")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsJsonAsync($"/api/communities/{community}/tokens", new { name = "Me too", scopes = new[] { "chat:write" } })).StatusCode);

        var revoked = await (await owner.Http.DeleteAsync($"{tokens}/{created.Info.Id}")).Content.ReadFromJsonAsync<ApiTokenInfo>(TestUser.Json);
        Assert.True(revoked!.Revoked);
        // Refused, and the connection is closed: a revoked bot neither sends nor keeps listening.
        await Assert.ThrowsAnyAsync<Exception>(() => bot.InvokeAsync<SendAck>("SendMessage", community, channel, "Still here?", "bot-3"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (bot.State != HubConnectionState.Disconnected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        Assert.Equal(HubConnectionState.Disconnected, bot.State);
        Assert.DoesNotContain((await ann.GetAsync<HistoryPage>($"/api/communities/{community}/channels/{channel}/messages")).Messages, m => m.Text == "Still here?");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"/api/communities/{community}/channels/{channel}/messages")).StatusCode);
        using var forged = new HttpClient { BaseAddress = fixture.Url };
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Token[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync($"/api/communities/{community}/channels/{channel}/messages")).StatusCode);
        var listed = Assert.Single(await owner.GetAsync<List<ApiTokenInfo>>(tokens));
        Assert.True(listed.Revoked);
    }

    [Fact]
    public async Task A_crm_connector_syncs_members_incrementally_from_the_change_feed()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob", connectHub: false);
        var (community, channel) = await SystemFixture.NewChannel(owner, ann, bob);
        var created = (await (await owner.PostAsync($"/api/communities/{community}/tokens", new { name = "CRM", scopes = new[] { "members:read" }, expiresInDays = 30 }))
            .Content.ReadFromJsonAsync<ApiTokenCreated>(TestUser.Json))!;
        using var crm = new HttpClient { BaseAddress = fixture.Url };
        crm.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Token);
        var feed = $"/api/communities/{community}/members/changes";
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.GetAsync(feed)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.GetAsync($"{feed}?since=-1")).StatusCode);

        MemberChangePage first = null!;
        for (var i = 0; i < 100 && (first is null || first.Items.Count < 4); i++)
        {
            first = (await crm.GetFromJsonAsync<MemberChangePage>(feed, TestUser.Json))!;
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        // The owner, ann, bob and the CRM token's own bot member.
        Assert.Equal(4, first.Items.Select(c => c.UserId).Distinct().Count());
        Assert.All(first.Items, c => Assert.Equal("upsert", c.Kind));

        await ann.JoinChannel(community, channel);
        await ann.Send(community, channel, "Hello CRM");
        // The feed hears of the award after the points grain's gathered write (within Points:WriteDelay, 5 s) and the
        // silo's gathering (Points:BoardDelay, 1 s), api.md: about 6 s at worst, so the loop allows 20.
        MemberChangePage next = null!;
        for (var i = 0; i < 400 && (next is null || next.Items.All(c => c.Points?.Points != 1)); i++)
        {
            next = (await crm.GetFromJsonAsync<MemberChangePage>($"{feed}?since={first.NextSince}", TestUser.Json))!;
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        var annNow = Assert.Single(next.Items, c => c.UserId == "ann");
        Assert.Equal((1L, "ann"), (annNow.Points!.Points, annNow.Member!.UserId));
        Assert.DoesNotContain(next.Items, c => c.UserId == "bob");
        Assert.Equal(HttpStatusCode.Forbidden, (await crm.GetAsync($"/api/communities/{community}/channels/{channel}/messages")).StatusCode);
    }

    private static string Code(HubException ex) => SystemFixture.CodeOf(ex);
}
