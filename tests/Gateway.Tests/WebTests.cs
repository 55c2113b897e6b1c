using System.Net;
using System.Text.Json;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Chat")]
public sealed class WebTests(SystemFixture fixture)
{
    [Fact]
    public async Task The_browser_page_and_its_signalr_library_are_served_without_a_cdn()
    {
        using var http = new HttpClient { BaseAddress = fixture.Url };
        var page = await http.GetStringAsync("/");
        Assert.Contains("<script src=\"lib/signalr.min.js\"></script>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", page, StringComparison.Ordinal);
        var library = await http.GetAsync("/lib/signalr.min.js");
        Assert.Equal(HttpStatusCode.OK, library.StatusCode);
        Assert.Contains("HubConnectionBuilder", await library.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/app.js")).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_rest_api()
    {
        using var http = new HttpClient { BaseAddress = fixture.Url };
        var doc = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var paths = doc.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/communities/{communityId}/channels/{channelId}/messages", out _));
        Assert.True(paths.TryGetProperty("/api/auth/dev-token", out _));
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_healthy(string path)
    {
        using var http = new HttpClient { BaseAddress = fixture.Url };
        var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
