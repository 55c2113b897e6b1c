using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommunityScale.Browser.Tests;

/// <summary>The main screens meet WCAG 2.1 A/AA as axe-core checks it, and chat works on a phone-sized screen.</summary>
[Collection(SharedBrowser.Name)]
[Trait("Area", "Browser")]
public sealed class AccessibilityTests(BrowserFixture fixture)
{
    [Fact]
    public async Task The_main_screens_have_no_serious_or_critical_axe_violations()
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        var (ownerId, memberId) = ($"ally-{tag}", $"axe-{tag}");
        var community = await Rest.NewCommunity(fixture.Url, ownerId, memberId);
        await using var owner = await WebApp.SignInAsync(fixture, ownerId, "Alex");
        var findings = new List<string>();
        await Axe.Check(owner.Page, "communities", findings);
        foreach (var (hash, name) in new[]
        {
            ($"#/c/{community}", "community"), ($"#/c/{community}/chat/live", "chat"), ($"#/c/{community}/threads", "threads"),
            ($"#/c/{community}/events", "events"), ($"#/c/{community}/profile", "profile"), ($"#/c/{community}/leaderboard", "leaderboard"),
            ($"#/c/{community}/moderation", "moderation"), ($"#/c/{community}/kpis", "kpis"), ("#/notifications", "notifications"),
            ($"#/c/{community}/access", "access"), ($"#/c/{community}/access/channels/live", "overrides"),
        })
        {
            await owner.OpenAsync(hash);
            await Axe.Check(owner.Page, name, findings);
        }

        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }

    [Fact]
    public async Task On_a_phone_sized_screen_chat_fits_the_width_and_works()
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        var (ownerId, memberId) = ($"own-{tag}", $"phone-{tag}");
        var community = await Rest.NewCommunity(fixture.Url, ownerId, memberId);
        await using var phone = await WebApp.SignInAsync(fixture, memberId, "Pia", new() { Width = 390, Height = 844 });
        await phone.OpenChannelAsync(community, "live");
        await phone.SayAsync("Sent from my phone");
        await Expect(phone.Messages).ToContainTextAsync("Sent from my phone");
        Assert.True(await phone.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");
        await Expect(phone.Page.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeInViewportAsync();
        await phone.ScreenshotAsync("phone-chat");
    }
}
