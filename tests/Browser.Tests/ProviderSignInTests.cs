using CommunityScale.TestSupport;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommunityScale.Browser.Tests;

/// <summary>
/// The web app signing in at the organisation's OpenID Connect provider (a loopback one) with Authorization Code and
/// PKCE, on a second gateway of the shared silo configured with <c>Auth:Authority</c> and <c>Auth:ClientId</c>.
/// </summary>
[Collection(SharedBrowser.Name)]
[Trait("Area", "Browser")]
[Trait("Area", "Roles")]
public sealed class ProviderSignInTests(BrowserFixture fixture)
{
    [Fact]
    public async Task The_web_app_signs_in_through_the_provider_with_pkce_and_the_gateway_names_the_user()
    {
        await using var provider = await OidcProvider.StartAsync();
        var (app, url) = await fixture.System.StartExtraGatewayAsync(new Dictionary<string, string?>
        {
            ["Auth:Authority"] = provider.Issuer,
            ["Auth:Audience"] = provider.Audience,
            ["Auth:ClientId"] = provider.ClientId,
            ["Auth:RequireHttpsMetadata"] = "false",
            ["Auth:DevTokens"] = "false",
        });
        await using (app)
        {
            var subject = Guid.NewGuid().ToString();
            provider.SignInAs = (subject, new Dictionary<string, object> { ["name"] = "Olivia Org", ["email"] = "olivia@example.org" });
            await using var context = await fixture.Browser.NewContextAsync(new() { BaseURL = url.ToString() });
            var page = await context.NewPageAsync();
            await page.GotoAsync("/#/signin");

            // Only the provider's sign-in: development sign-in is off on this gateway.
            await Expect(page.GetByLabel("User id")).ToHaveCountAsync(0);
            await Expect(page.Locator("main[data-ready=\"#/signin\"]")).ToHaveCountAsync(1);
            var axe = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
            Assert.Empty(axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Help}"));
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with your organisation" }).ClickAsync();

            // To the provider and back: the code was redeemed with the verifier matching the challenge (the provider
            // refuses anything else), and the address no longer carries it.
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Communities", Exact = true })).ToBeVisibleAsync();
            Assert.Equal(["S256"], provider.Exchanges);
            Assert.DoesNotContain("code=", page.Url, StringComparison.Ordinal);
            await Expect(page.Locator("#whoami")).ToHaveTextAsync($"Olivia Org ({subject})");
            await Expect(page.Locator("#connection")).ToHaveTextAsync("Connected");

            // The provider's token does what a dev token does: found a community through the app.
            var community = $"o-{Guid.NewGuid():n}"[..16];
            var create = page.GetByRole(AriaRole.Form, new() { Name = "Create a community" });
            await create.GetByLabel("Id").FillAsync(community);
            await create.GetByLabel("Name").FillAsync("Org fans");
            await create.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Org fans" })).ToBeVisibleAsync();
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "provider-signed-in.png"), FullPage = true });

            // A provider account whose subject is no valid user id: the gateway refuses the token, the page says so.
            provider.SignInAs = ("auth0|not-an-id", new Dictionary<string, object> { ["name"] = "Mallory" });
            await using var refused = await fixture.Browser.NewContextAsync(new() { BaseURL = url.ToString() });
            var other = await refused.NewPageAsync();
            await other.GotoAsync("/#/signin");
            await other.GetByRole(AriaRole.Button, new() { Name = "Sign in with your organisation" }).ClickAsync();
            await Expect(other.GetByRole(AriaRole.Alert)).ToContainTextAsync("the gateway refused the provider's token (401)");
            await Expect(other.GetByRole(AriaRole.Button, new() { Name = "Sign in with your organisation" })).ToBeVisibleAsync();
            await app.StopAsync();
        }
    }
}
