using System.Net.Http.Json;
using CommunityScale.TestSupport;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommunityScale.Browser.Tests;

/// <summary>The web app in headless Chromium, against a real silo and gateway.</summary>
[Collection(SharedBrowser.Name)]
[Trait("Area", "Browser")]
public sealed class WebAppTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Two_people_join_with_consent_and_chat_with_each_other_live()
    {
        var (annId, bobId) = Ids("ann", "bob");
        await using var ann = await WebApp.SignInAsync(fixture, annId, "Ann");
        await using var bob = await WebApp.SignInAsync(fixture, bobId, "Bob");

        // Ann founds a community and a channel through the app, and publishes guidelines.
        var community = $"w-{Guid.NewGuid():n}"[..16];
        var create = ann.Page.GetByRole(AriaRole.Form, new() { Name = "Create a community" });
        await create.GetByLabel("Id").FillAsync(community);
        await create.GetByLabel("Name").FillAsync("Derby fans");
        await create.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(ann.Page.GetByRole(AriaRole.Heading, new() { Name = "Derby fans" })).ToBeVisibleAsync();
        var newChannel = ann.Page.GetByRole(AriaRole.Form, new() { Name = "New channel" });
        await newChannel.GetByLabel("Id").FillAsync("live");
        await newChannel.GetByLabel("Name").FillAsync("Live");
        await newChannel.GetByRole(AriaRole.Button, new() { Name = "Create channel" }).ClickAsync();
        await Expect(ann.Page.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeVisibleAsync();
        using (var annHttp = await Rest.As(fixture.Url, annId))
        {
            (await annHttp.PutAsJsonAsync($"/api/communities/{community}/guidelines", new { text = "Be kind to rival fans." })).EnsureSuccessStatusCode();
        }

        // Bob finds it, reads the guidelines, accepts them and joins.
        await bob.Page.GetByLabel("Community id").FillAsync(community);
        await bob.Page.GetByRole(AriaRole.Button, new() { Name = "Show its guidelines" }).ClickAsync();
        await Expect(bob.Page.GetByText("Be kind to rival fans.")).ToBeVisibleAsync();
        await bob.Page.GetByLabel("I accept the guidelines (version 1)").CheckAsync();
        await bob.Page.GetByRole(AriaRole.Button, new() { Name = "Join", Exact = true }).ClickAsync();
        await bob.Page.GetByRole(AriaRole.Link, new() { Name = "# Live" }).ClickAsync();
        await Expect(bob.Page.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeVisibleAsync();

        await ann.SayAsync("Hallo Bob, bist du im Stadion?");
        await Expect(bob.Messages).ToContainTextAsync("Hallo Bob, bist du im Stadion?");
        await bob.SayAsync("Ja, Block C!");
        await Expect(ann.Messages).ToContainTextAsync("Ja, Block C!");
        await Expect(bob.Messages.Locator("li.message")).ToHaveCountAsync(2);
        await ann.ScreenshotAsync("chat-ann");
        await bob.ScreenshotAsync("chat-bob");
    }

    [Fact]
    public async Task A_moderator_removes_a_message_and_it_vanishes_for_everyone()
    {
        var (modId, fanId) = Ids("mod", "fan");
        var community = await Rest.NewCommunity(fixture.Url, modId, fanId);
        await using var moderator = await WebApp.SignInAsync(fixture, modId, "Mona");
        await using var fan = await WebApp.SignInAsync(fixture, fanId, "Fred");
        await moderator.OpenChannelAsync(community, "live");
        await fan.OpenChannelAsync(community, "live");

        await fan.SayAsync("Cheap tickets at my-scam.example");
        await Expect(moderator.Messages).ToContainTextAsync("Cheap tickets");
        await moderator.Page.GetByRole(AriaRole.Button, new() { Name = "Remove message 1" }).ClickAsync();

        foreach (var app in new[] { moderator, fan })
        {
            await Expect(app.Messages).Not.ToContainTextAsync("Cheap tickets");
            await Expect(app.Messages).ToContainTextAsync("Message removed");
        }

        await fan.ScreenshotAsync("removed-fan");
    }

    [Fact]
    public async Task A_member_in_slow_mode_is_told_how_long_to_wait()
    {
        var (ownerId, fanId) = Ids("own", "slow");
        var community = await Rest.NewCommunity(fixture.Url, ownerId, fanId);
        using (var owner = await Rest.As(fixture.Url, ownerId))
        {
            (await owner.PutAsJsonAsync($"/api/communities/{community}/channels/live/slow-mode", new { seconds = 120 })).EnsureSuccessStatusCode();
        }

        await using var fan = await WebApp.SignInAsync(fixture, fanId, "Sam");
        await fan.OpenChannelAsync(community, "live");
        await fan.SayAsync("First!");
        await Expect(fan.Messages).ToContainTextAsync("First!");
        await fan.SayAsync("Second!");
        await Expect(fan.Alert).ToContainTextAsync("slow_mode");
        await Expect(fan.Alert).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"\d+ ?s"));
        await Expect(fan.Messages).Not.ToContainTextAsync("Second!");
        await fan.ScreenshotAsync("slow-mode");
    }

    [Fact]
    public async Task After_the_gateway_restarts_the_page_reconnects_and_shows_the_messages_it_missed()
    {
        var (readerId, writerId) = Ids("read", "write");
        var community = await Rest.NewCommunity(fixture.Url, writerId, readerId);
        await using var reader = await WebApp.SignInAsync(fixture, readerId, "Rita");
        await reader.OpenChannelAsync(community, "live");
        var (extra, extraUrl) = await fixture.System.StartExtraGatewayAsync(new Dictionary<string, string?>());
        try
        {
            await using var writer = await TestUser.ConnectAsync(extraUrl, writerId);
            await writer.Send(community, "live", "before the restart");
            await Expect(reader.Messages).ToContainTextAsync("before the restart");

            await fixture.System.RestartGatewayAsync(async () =>
            {
                await Expect(reader.Connection).ToHaveTextAsync("Reconnecting…");
                await reader.ScreenshotAsync("reconnecting");
                for (var i = 1; i <= 3; i++)
                {
                    await writer.Send(community, "live", $"missed {i}");
                }
            });

            await Expect(reader.Connection).ToHaveTextAsync("Connected", new() { Timeout = 30_000 });
            for (var i = 1; i <= 3; i++)
            {
                await Expect(reader.Messages).ToContainTextAsync($"missed {i}");
            }

            await Expect(reader.Messages.Locator("li.message")).ToHaveCountAsync(4);
            await reader.ScreenshotAsync("reconnected");
        }
        finally
        {
            await extra.StopAsync();
            await extra.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_manager_sees_the_kpi_charts_and_members_do_not_get_the_dashboard()
    {
        var (managerId, fanId) = Ids("boss", "kfan");
        var community = await Rest.NewCommunity(fixture.Url, managerId, fanId);
        await using (var fan = await TestUser.ConnectAsync(fixture.Url, fanId))
        {
            await fan.Send(community, "live", "Great match today");
            await fan.Send(community, "live", "What a goal!");
        }

        await using var manager = await WebApp.SignInAsync(fixture, managerId, "Maria");
        await manager.OpenAsync($"#/c/{community}/kpis");
        await Expect(manager.Page.Locator("#chart-active")).ToBeVisibleAsync();
        await Expect(manager.Page.Locator("#chart-posts")).ToBeVisibleAsync();
        // The fan's two messages reach the day's bucket within the points window and the silo's gathering (about 7 s
        // at worst: api.md); the dashboard is live.
        await manager.Page.WaitForFunctionAsync(
            "() => { const c = Chart.getChart('chart-posts'); return !!c && c.data.datasets[0].data.reduce((a, b) => a + b, 0) >= 2; }",
            null, new() { Timeout = 30_000 });
        await manager.Page.WaitForFunctionAsync(
            "() => Chart.getChart('chart-active').data.datasets[0].data.some(v => v >= 1)", null, new() { Timeout = 30_000 });
        // Both messages are glad ones (the sentiment model is sure of them): the sentiment chart's positive bars hold them.
        await Expect(manager.Page.Locator("#chart-sentiment")).ToBeVisibleAsync();
        await manager.Page.WaitForFunctionAsync(
            "() => Chart.getChart('chart-sentiment').data.datasets.find(d => d.label === 'Positive').data.reduce((a, b) => a + b, 0) >= 2",
            null, new() { Timeout = 30_000 });
        await manager.ScreenshotAsync("kpis");

        await using var member = await WebApp.SignInAsync(fixture, fanId, "Kim");
        await member.OpenAsync($"#/c/{community}");
        // The community's links are drawn together, once the member's role is known: a KPIs link would be there by now.
        await Expect(member.Page.GetByRole(AriaRole.Link, new() { Name = "Threads" })).ToBeVisibleAsync();
        await Expect(member.Page.GetByRole(AriaRole.Link, new() { Name = "KPIs" })).ToHaveCountAsync(0);
        await member.OpenAsync($"#/c/{community}/kpis");
        await Expect(member.Alert).ToContainTextAsync("forbidden");
    }

    private static (string, string) Ids(string first, string second)
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        return ($"{first}-{tag}", $"{second}-{tag}");
    }
}
