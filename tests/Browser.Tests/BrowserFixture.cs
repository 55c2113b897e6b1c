using CommunityScale.TestSupport;
using Microsoft.Playwright;

namespace CommunityScale.Browser.Tests;

/// <summary>
/// One silo and gateway (memory storage: the browser tests are about the page) and one headless Chromium — Debian's,
/// which the scripts install: Playwright's own browser download does not work here.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public ChatSystem System { get; private set; } = null!;

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public Uri Url => System.GatewayUrl;

    /// <summary>Screenshots go here (under the ignored artifacts folder), one per step worth seeing.</summary>
    public static string Screenshots { get; } = Path.Combine(RepoPaths.Root, "artifacts", "browser");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: ./scripts/test installs Debian's chromium package.");
        }

        Directory.CreateDirectory(Screenshots);
        System = new ChatSystem(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Memory",
            ["Gateway:CatchUpInterval"] = "00:00:01",
            ["Gateway:PresenceReportInterval"] = "00:00:00.200",
        });
        await System.StartAsync();
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // This machine's network is closed: Chromium's own background traffic would only fail (and slow it down).
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await System.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SharedBrowser : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
