using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.TestSupport;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Chat")]
public sealed class CommunityApiTests(SystemFixture fixture)
{
    private static async Task<string> CodeOf(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        return problem.GetProperty("code").GetString()!;
    }

    [Fact]
    public async Task Owner_creates_a_community_and_channel_members_join_and_list_channels()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga", connectHub: false);
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann", connectHub: false);
        var id = $"c-{Guid.NewGuid():n}"[..20];

        var created = await owner.PostAsync("/api/communities", new { id, name = "Fans of X" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/communities/{id}", created.Headers.Location?.ToString());

        var duplicate = await ann.PostAsync("/api/communities", new { id, name = "Mine now" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("already_exists", await CodeOf(duplicate));
        Assert.Equal("olga", (await ann.GetAsync<CommunityInfo>($"/api/communities/{id}")).OwnerId);

        var joined = await ann.PostAsync($"/api/communities/{id}/members");
        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        Assert.Equal(MemberRole.Member, (await joined.Content.ReadFromJsonAsync<MemberInfo>(TestUser.Json))!.Role);
        Assert.Equal(MemberRole.Owner, (await ann.GetAsync<MemberInfo>($"/api/communities/{id}/members/olga")).Role);

        var forbidden = await ann.PostAsync($"/api/communities/{id}/channels", new { id = "general", name = "General" });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("forbidden", await CodeOf(forbidden));
        Assert.Empty(await ann.GetAsync<List<ChannelInfo>>($"/api/communities/{id}/channels"));

        var channel = await owner.PostAsync($"/api/communities/{id}/channels", new { id = "general", name = "General" });
        Assert.Equal(HttpStatusCode.Created, channel.StatusCode);
        var channels = await ann.GetAsync<List<ChannelInfo>>($"/api/communities/{id}/channels");
        Assert.Equal("general", Assert.Single(channels).Id);
        Assert.Equal(2000, channels[0].MaxMessageLength);
    }

    [Theory]
    [InlineData("POST", "/api/communities", "{\"id\":\"Bad/Id\",\"name\":\"x\"}", HttpStatusCode.BadRequest, "invalid")]
    [InlineData("POST", "/api/communities", "{\"id\":\"ok-id\",\"name\":\"   \"}", HttpStatusCode.BadRequest, "invalid")]
    [InlineData("POST", "/api/communities", "{not json", HttpStatusCode.BadRequest, "invalid")]
    [InlineData("GET", "/api/communities/UPPER", null, HttpStatusCode.BadRequest, "invalid")]
    [InlineData("GET", "/api/communities/nobody-made-this", null, HttpStatusCode.NotFound, "not_found")]
    [InlineData("POST", "/api/communities/nobody-made-this/members", null, HttpStatusCode.NotFound, "not_found")]
    [InlineData("GET", "/api/communities/nobody-made-this/channels/x/messages", null, HttpStatusCode.NotFound, "not_found")]
    public async Task Bad_requests_get_problem_details_with_a_stable_code(string method, string path, string? body, HttpStatusCode status, string code)
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann", connectHub: false);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        var response = await ann.Http.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, await CodeOf(response));
    }

    [Fact]
    public async Task History_is_paged_over_rest_and_bad_paging_is_invalid()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        var (community, channel) = await SystemFixture.NewChannel(owner);
        for (var i = 1; i <= 5; i++)
        {
            await owner.Send(community, channel, $"m{i}");
        }

        var path = $"/api/communities/{community}/channels/{channel}/messages";
        var page = await owner.GetAsync<HistoryPage>($"{path}?afterSeq=1&limit=2");
        Assert.Equal([2L, 3], page.Messages.Select(m => m.Seq));
        Assert.True(page.HasMore);
        Assert.Equal(5, page.LastSeq);
        var rest = await owner.GetAsync<HistoryPage>($"{path}?afterSeq=3");
        Assert.Equal(["m4", "m5"], rest.Messages.Select(m => m.Text));
        Assert.False(rest.HasMore);

        foreach (var query in new[] { "limit=0", "limit=201", "afterSeq=-1", "afterSeq=abc" })
        {
            var response = await owner.Http.GetAsync($"{path}?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("invalid", await CodeOf(response));
        }
    }
}
