using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommunityScale.Browser.Tests;

/// <summary>Every screen a member and a moderator use, driven through the page: forum, events, inbox, profile, boards, queue.</summary>
[Collection(SharedBrowser.Name)]
[Trait("Area", "Browser")]
public sealed class ScreenTourTests(BrowserFixture fixture)
{
    [Fact]
    public async Task A_member_uses_the_forum_events_inbox_profile_and_leaderboard_and_a_moderator_the_queue()
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        var (ownerId, memberId) = ($"lead-{tag}", $"memb-{tag}");
        var community = await Rest.NewCommunity(fixture.Url, ownerId, memberId);
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        using (var owner = await Rest.As(fixture.Url, ownerId))
        {
            (await owner.PostAsJsonAsync($"/api/communities/{community}/events", new
            {
                id = "cup-final", title = "Cup final watch party", description = "Together in the clubhouse", startsAt = start, endsAt = start.AddHours(3), capacity = 50,
                sessions = new[] { new { id = "main", title = "Kick-off", track = (string?)null, speakers = (string[]?)null, startsAt = start, endsAt = start.AddHours(3) } },
            })).EnsureSuccessStatusCode();
        }

        await using var member = await WebApp.SignInAsync(fixture, memberId, "Mia");
        var errors = new List<string>();
        member.Page.PageError += (_, error) => errors.Add(error);

        // Forum: start a question, reply to it, find it.
        await member.OpenAsync($"#/c/{community}/threads");
        var newThread = member.Page.GetByRole(AriaRole.Form, new() { Name = "New thread" });
        await newThread.GetByLabel("Kind").SelectOptionAsync("Question");
        await newThread.GetByLabel("Title").FillAsync($"Away tickets {tag}?");
        await newThread.GetByLabel("Text (Markdown)").FillAsync("Where do we get **away** tickets?");
        await newThread.GetByRole(AriaRole.Button, new() { Name = "Start thread" }).ClickAsync();
        await Expect(member.Page.GetByRole(AriaRole.Heading, new() { Name = $"Away tickets {tag}?" })).ToBeVisibleAsync();
        await Expect(member.Page.Locator("ol.posts strong").First).ToHaveTextAsync("Mia");
        await member.Page.GetByLabel("Your reply (Markdown)").FillAsync("Found them: at the club shop.");
        await member.Page.GetByRole(AriaRole.Button, new() { Name = "Reply" }).ClickAsync();
        await Expect(member.Page.Locator("ol.posts")).ToContainTextAsync("Found them: at the club shop.");
        await member.ScreenshotAsync("thread");
        await member.OpenAsync($"#/c/{community}/threads");
        await member.Page.GetByRole(AriaRole.Searchbox, new() { Name = "Search" }).FillAsync("away tickets");
        await member.Page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(member.Page.GetByRole(AriaRole.Link, new() { Name = $"Away tickets {tag}?" }).First).ToBeVisibleAsync();

        // Events: RSVP, check in, ask in the live Q&A.
        await member.OpenAsync($"#/c/{community}/events");
        await member.Page.GetByRole(AriaRole.Link, new() { Name = "Cup final watch party" }).ClickAsync();
        await member.Page.GetByRole(AriaRole.Button, new() { Name = "RSVP" }).ClickAsync();
        await Expect(member.Page.GetByText("You are going.")).ToBeVisibleAsync();
        await member.Page.GetByRole(AriaRole.Button, new() { Name = "Check in" }).ClickAsync();
        await Expect(member.Page.GetByText("Checked in")).ToBeVisibleAsync();
        await member.Page.GetByRole(AriaRole.Button, new() { Name = "Q&A and polls" }).ClickAsync();
        await member.Page.GetByLabel("Your question").FillAsync("Who starts in goal?");
        await member.Page.GetByRole(AriaRole.Button, new() { Name = "Ask" }).ClickAsync();
        await Expect(member.Page.GetByRole(AriaRole.List, new() { Name = "Questions" })).ToContainTextAsync("Who starts in goal?");
        await member.ScreenshotAsync("event");

        // Standing: points for the thread, the reply and the check-in; boards; the inbox.
        await member.OpenAsync($"#/c/{community}/profile");
        await Expect(member.Page.Locator("dd").First).Not.ToHaveTextAsync("0", new() { Timeout = 15_000 });
        // The boards follow the stored points within Points:BoardDelay, and the screen reads them once: reload until Mia is on it.
        await member.ReloadUntilAsync($"#/c/{community}/leaderboard", member.Page.GetByRole(AriaRole.Region, new() { Name = "All time" }).GetByText("Mia"), 1);
        await member.OpenAsync("#/notifications");
        await Expect(member.Page.GetByRole(AriaRole.Heading, new() { Name = "Notifications" })).ToBeVisibleAsync();
        await member.ScreenshotAsync("inbox");

        // The moderator's queue and log: a report from the member shows up live.
        await using var moderator = await WebApp.SignInAsync(fixture, ownerId, "Leo");
        moderator.Page.PageError += (_, error) => errors.Add(error);
        await moderator.OpenAsync($"#/c/{community}/moderation");
        await Expect(moderator.Page.GetByRole(AriaRole.List, new() { Name = "Review queue" })).ToContainTextAsync("Nothing waits for review.");
        using (var ownerHttp = await Rest.As(fixture.Url, ownerId))
        using (var memberHttp = await Rest.As(fixture.Url, memberId))
        {
            await ownerHttp.PostAsJsonAsync($"/api/communities/{community}/channels", new { id = "extra", name = "Extra" });
            var hub = await TestSupport.TestUser.ConnectAsync(fixture.Url, ownerId);
            await using (hub)
            {
                await hub.Send(community, "live", "Spoiler: we win 3-0");
            }

            (await memberHttp.PostAsJsonAsync($"/api/communities/{community}/channels/live/messages/1/report", new { reason = "spoiler" })).EnsureSuccessStatusCode();
        }

        await Expect(moderator.Page.GetByRole(AriaRole.List, new() { Name = "Review queue" })).ToContainTextAsync("Spoiler: we win 3-0");
        await moderator.ScreenshotAsync("moderation");
        Assert.Empty(errors);
    }
}
