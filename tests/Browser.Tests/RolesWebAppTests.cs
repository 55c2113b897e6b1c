using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommunityScale.Browser.Tests;

/// <summary>What roles and overrides change on the chat and forum screens.</summary>
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

    [Fact]
    public async Task A_fan_reads_a_thread_of_an_announcement_category_without_a_reply_box_and_never_sees_a_staff_category()
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        var (ownerId, fanId) = ($"own-{tag}", $"fan-{tag}");
        var community = await Rest.NewCommunity(fixture.Url, ownerId, fanId);
        using var owner = await Rest.As(fixture.Url, ownerId);
        foreach (var category in new[] { "news", "staff" })
        {
            (await owner.PostAsJsonAsync($"/api/communities/{community}/forum/categories", new { id = category, name = category, description = "" })).EnsureSuccessStatusCode();
        }

        (await owner.PutAsJsonAsync($"/api/communities/{community}/categories/news/overrides",
            new { overrides = new object[] { new { role = "everyone", deny = new[] { "create_threads", "reply", "react" } } } })).EnsureSuccessStatusCode();
        (await owner.PutAsJsonAsync($"/api/communities/{community}/categories/staff/overrides",
            new { overrides = new object[] { new { role = "everyone", deny = new[] { "view" } } } })).EnsureSuccessStatusCode();
        var news = await (await owner.PostAsJsonAsync($"/api/communities/{community}/threads", new { categoryId = "news", kind = "Discussion", title = "Doors open at 7", body = "See you there." }))
            .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        (await owner.PostAsJsonAsync($"/api/communities/{community}/threads", new { categoryId = "staff", kind = "Discussion", title = "Salary review", body = "Quiet." })).EnsureSuccessStatusCode();

        await using var fan = await WebApp.SignInAsync(fixture, fanId, "Fay");
        await fan.OpenAsync($"#/c/{community}/threads/{news.GetProperty("threadId").GetString()}");
        await Expect(fan.Page.GetByRole(AriaRole.Note)).ToContainTextAsync("replying here is for some roles only");
        await Expect(fan.Page.GetByRole(AriaRole.Textbox, new() { Name = "Your reply (Markdown)" })).ToHaveCountAsync(0);
        await Expect(fan.Page.GetByRole(AriaRole.Button, new() { Name = "React +1" })).ToBeDisabledAsync();

        await fan.OpenAsync($"#/c/{community}/threads");
        await Expect(fan.Page.GetByRole(AriaRole.Link, new() { Name = "Doors open at 7" })).ToBeVisibleAsync();
        await Expect(fan.Page.GetByText("Salary review")).ToHaveCountAsync(0);
    }
}
