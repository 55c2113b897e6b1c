using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommunityScale.Browser.Tests;

/// <summary>What roles and overrides change on the chat screen.</summary>
[Collection(SharedBrowser.Name)]
[Trait("Area", "Roles")]
public sealed class RolesWebAppTests(BrowserFixture fixture)
{
    [Fact]
    public async Task A_fan_reads_an_announcement_channel_without_a_composer_and_is_told_when_a_channel_closes_to_them()
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        var (ownerId, fanId) = ($"own-{tag}", $"fan-{tag}");
        var community = await Rest.NewCommunity(fixture.Url, ownerId, fanId);
        using var owner = await Rest.As(fixture.Url, ownerId);
        (await owner.PostAsJsonAsync($"/api/communities/{community}/channels", new { id = "news", name = "News" })).EnsureSuccessStatusCode();
        (await owner.PutAsJsonAsync($"/api/communities/{community}/channels/news/overrides",
            new { overrides = new object[] { new { role = "everyone", deny = new[] { "send", "react" } } } })).EnsureSuccessStatusCode();

        await using var fan = await WebApp.SignInAsync(fixture, fanId, "Fay");
        await fan.OpenAsync($"#/c/{community}/chat/news");
        await Expect(fan.Page.GetByRole(AriaRole.Note)).ToContainTextAsync("posting here is for some roles only");
        await Expect(fan.Page.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToHaveCountAsync(0);

        await fan.OpenChannelAsync(community, "live");
        (await owner.PutAsJsonAsync($"/api/communities/{community}/channels/live/overrides",
            new { overrides = new object[] { new { member = fanId, deny = new[] { "view" } } } })).EnsureSuccessStatusCode();
        await Expect(fan.Messages).ToContainTextAsync("You can no longer see this channel.");
        await Expect(fan.Page.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToHaveCountAsync(0);
        await fan.ScreenshotAsync("roles-access-lost");
    }
}
