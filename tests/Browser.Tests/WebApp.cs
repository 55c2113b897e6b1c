using System.Net.Http.Json;
using CommunityScale.TestSupport;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommunityScale.Browser.Tests;

/// <summary>One person using the web app in their own browser context (own storage, own connection).</summary>
public sealed class WebApp(IBrowserContext context, IPage page, string userId) : IAsyncDisposable
{
    public IPage Page { get; } = page;

    public string UserId { get; } = userId;

    public ILocator Messages => Page.Locator("ol.messages");

    public ILocator Alert => Page.GetByRole(AriaRole.Alert);

    public ILocator Connection => Page.Locator("#connection");

    /// <summary>Opens the app and signs in through its form, as a person would.</summary>
    public static async Task<WebApp> SignInAsync(BrowserFixture fixture, string userId, string displayName, ViewportSize? viewport = null)
    {
        var app = await SignInFromAsync(fixture, "/#/signin", userId, displayName, viewport);
        await Expect(app.Page.GetByRole(AriaRole.Heading, new() { Name = "Communities", Exact = true })).ToBeVisibleAsync();
        return app;
    }

    /// <summary>Opens <paramref name="url"/> signed out (a link someone was sent) and signs in on the page the app turns to.</summary>
    public static async Task<WebApp> SignInFromAsync(BrowserFixture fixture, string url, string userId, string displayName, ViewportSize? viewport = null)
    {
        var context = await fixture.Browser.NewContextAsync(new() { BaseURL = fixture.Url.ToString(), ViewportSize = viewport ?? new() { Width = 1024, Height = 800 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(url);
        await page.GetByLabel("User id").FillAsync(userId);
        await page.GetByLabel("Display name").FillAsync(displayName);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        return new WebApp(context, page, userId);
    }

    /// <summary>Goes to a screen and waits until it has rendered (the app marks <c>main</c> ready with the route).</summary>
    public async Task OpenAsync(string hash)
    {
        await Page.EvaluateAsync($"location.hash = {System.Text.Json.JsonSerializer.Serialize(hash)}");
        await Expect(Page.Locator($"main[data-ready=\"{hash}\"]")).ToHaveCountAsync(1);
        await Expect(Connection).ToHaveTextAsync("Connected");
    }

    /// <summary>
    /// Opens a screen and reloads it until <paramref name="locator"/> matches <paramref name="count"/> elements: for what a
    /// screen reads once (a listing) and the server changes within its caches' 2 s.
    /// </summary>
    public async Task ReloadUntilAsync(string hash, ILocator locator, int count)
    {
        await OpenAsync(hash);
        await Responses.Eventually(async () =>
        {
            if (await locator.CountAsync() == count)
            {
                return true;
            }

            await Page.ReloadAsync();
            await Expect(Page.Locator($"main[data-ready=\"{hash}\"]")).ToHaveCountAsync(1);
            return false;
        }, $"{count} of {locator} on {hash}");
    }

    public async Task OpenChannelAsync(string community, string channel)
    {
        await OpenAsync($"#/c/{community}/chat/{channel}");
        await Expect(Page.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeVisibleAsync();
    }

    public async Task SayAsync(string text)
    {
        await Page.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).FillAsync(text);
        await Page.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).PressAsync("Enter");
    }

    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"{name}.png"), FullPage = true });

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}

/// <summary>Set-up a test needs but does not test, done over REST with a dev token.</summary>
public static class Rest
{
    public static async Task<HttpClient> As(Uri gateway, string userId)
    {
        var http = new HttpClient { BaseAddress = gateway };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await TestUser.GetTokenAsync(gateway, userId));
        return http;
    }

    /// <summary>A community owned by <paramref name="owner"/> with a channel "live", and the members joined.</summary>
    public static async Task<string> NewCommunity(Uri gateway, string owner, params string[] members)
    {
        var community = $"b-{Guid.NewGuid():n}"[..16];
        using var http = await As(gateway, owner);
        (await http.PostAsJsonAsync("/api/communities", new { id = community, name = "Fan club" })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync($"/api/communities/{community}/channels", new { id = "live", name = "Live" })).EnsureSuccessStatusCode();
        foreach (var member in members)
        {
            using var memberHttp = await As(gateway, member);
            (await memberHttp.PostAsync($"/api/communities/{community}/members", null)).EnsureSuccessStatusCode();
        }

        return community;
    }
}
