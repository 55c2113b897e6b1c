using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommunityScale.Browser.Tests;

/// <summary>What roles and overrides change on the chat and forum screens, and the screens that manage roles, overrides, invites and requests.</summary>
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

    [Fact]
    public async Task An_owner_makes_a_staff_channel_with_a_role_and_overrides_and_a_member_sees_it_close_and_open()
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        var (ownerId, fanId) = ($"own-{tag}", $"fan-{tag}");
        var community = await Rest.NewCommunity(fixture.Url, ownerId, fanId);
        using (var http = await Rest.As(fixture.Url, ownerId))
        {
            (await http.PostAsJsonAsync($"/api/communities/{community}/channels", new { id = "staff", name = "Staff room" })).EnsureSuccessStatusCode();
        }

        await using var fan = await WebApp.SignInAsync(fixture, fanId, "Fay");
        await fan.OpenChannelAsync(community, "staff");

        await using var owner = await WebApp.SignInAsync(fixture, ownerId, "Olga");
        await owner.OpenAsync($"#/c/{community}");
        await owner.Page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Access" }).ClickAsync();
        await Expect(owner.Page.GetByRole(AriaRole.Heading, new() { Name = "Access", Exact = true })).ToBeVisibleAsync();
        var newRole = owner.Page.GetByRole(AriaRole.Form, new() { Name = "New role" });
        await newRole.GetByLabel("Id", new() { Exact = true }).FillAsync("staff");
        await newRole.GetByLabel("Name", new() { Exact = true }).FillAsync("Staff");
        await newRole.GetByLabel("Position", new() { Exact = false }).FillAsync("500");
        await newRole.GetByLabel("Colour", new() { Exact = true }).FillAsync("#0e7490");
        await newRole.GetByRole(AriaRole.Checkbox, new() { Name = "manage_messages", Exact = true }).CheckAsync();
        await newRole.GetByRole(AriaRole.Button, new() { Name = "Save role" }).ClickAsync();
        await Expect(owner.Page.GetByText("Role Staff saved.")).ToBeVisibleAsync();
        var staffRow = owner.Page.GetByRole(AriaRole.Table, new() { Name = "Roles" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "Staff" });
        await Expect(staffRow).ToContainTextAsync("500");
        await Expect(staffRow).ToContainTextAsync("manage_messages");

        // The staff channel: everyone may not view it, the Staff role may.
        await owner.Page.GetByRole(AriaRole.Link, new() { Name = "# Staff room: overrides" }).ClickAsync();
        await Expect(owner.Page.GetByRole(AriaRole.Heading, new() { Name = "Overrides: # Staff room" })).ToBeVisibleAsync();
        var roleChoice = owner.Page.GetByRole(AriaRole.Form, new() { Name = "Add a role" });
        await roleChoice.GetByLabel("Role").SelectOptionAsync("everyone");
        await roleChoice.GetByRole(AriaRole.Button, new() { Name = "Add role" }).ClickAsync();
        await owner.Page.GetByLabel("view for role everyone", new() { Exact = true }).SelectOptionAsync("deny");
        await roleChoice.GetByLabel("Role").SelectOptionAsync(new SelectOptionValue { Label = "Staff" });
        await roleChoice.GetByRole(AriaRole.Button, new() { Name = "Add role" }).ClickAsync();
        await owner.Page.GetByLabel("view for role Staff", new() { Exact = true }).SelectOptionAsync("allow");
        await owner.Page.GetByRole(AriaRole.Button, new() { Name = "Save overrides" }).ClickAsync();
        await Expect(owner.Page.Locator("main [role=status]")).ToHaveTextAsync("Saved.");
        await Expect(owner.Page.GetByLabel("view for role everyone", new() { Exact = true })).ToHaveValueAsync("deny");
        await Expect(owner.Page.GetByLabel("view for role Staff", new() { Exact = true })).ToHaveValueAsync("allow");
        var findings = new List<string>();
        await Axe.Check(owner.Page, "overrides", findings);
        await owner.ScreenshotAsync("roles-overrides");

        // The member, reading the channel, is told at once; the community's channel list no longer has it.
        await Expect(fan.Messages).ToContainTextAsync("You can no longer see this channel.");
        var staffLink = fan.Page.GetByRole(AriaRole.Link, new() { Name = "# Staff room" });
        await fan.ReloadUntilAsync($"#/c/{community}", staffLink, 0);
        await Expect(fan.Page.GetByRole(AriaRole.Link, new() { Name = "# Live" })).ToBeVisibleAsync();

        // Given the Staff role, the member finds the channel again and may post there.
        await owner.OpenAsync($"#/c/{community}/access");
        var findMember = owner.Page.GetByRole(AriaRole.Form, new() { Name = "Find a member" });
        await findMember.GetByLabel("User id").FillAsync(fanId);
        await findMember.GetByRole(AriaRole.Button, new() { Name = "Show their roles" }).ClickAsync();
        var fanRoles = owner.Page.GetByRole(AriaRole.Form, new() { Name = $"Roles of {fanId}" });
        await Expect(fanRoles.GetByRole(AriaRole.Checkbox, new() { Name = "Staff", Exact = true })).Not.ToBeCheckedAsync();
        await fanRoles.GetByRole(AriaRole.Checkbox, new() { Name = "Staff", Exact = true }).CheckAsync();
        await fanRoles.GetByRole(AriaRole.Button, new() { Name = "Save roles" }).ClickAsync();
        await Expect(owner.Page.GetByText($"Saved: {fanId} holds Staff.")).ToBeVisibleAsync();
        await Expect(owner.Page.GetByRole(AriaRole.Form, new() { Name = $"Roles of {fanId}" }).GetByRole(AriaRole.Checkbox, new() { Name = "Staff", Exact = true })).ToBeCheckedAsync();
        await Axe.Check(owner.Page, "access", findings);
        await owner.ScreenshotAsync("roles-access");

        await fan.ReloadUntilAsync($"#/c/{community}", staffLink, 1);
        await staffLink.ClickAsync();
        await Expect(fan.Page.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeVisibleAsync();
        await fan.SayAsync("Staff meeting at five");
        await Expect(fan.Messages).ToContainTextAsync("Staff meeting at five");
        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }

    [Fact]
    public async Task An_owner_invites_through_the_access_screen_and_a_guest_opens_the_link_and_lands_in_the_private_community()
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        var (ownerId, guestId, lateId) = ($"own-{tag}", $"guest-{tag}", $"late-{tag}");
        var community = await Rest.NewCommunity(fixture.Url, ownerId);
        await using var owner = await WebApp.SignInAsync(fixture, ownerId, "Olga");
        await owner.OpenAsync($"#/c/{community}/access");
        await owner.Page.GetByLabel("Who may see and join").SelectOptionAsync("Private");
        await owner.Page.GetByRole(AriaRole.Button, new() { Name = "Save visibility" }).ClickAsync();
        await Expect(owner.Page.GetByText("The community is now private.")).ToBeVisibleAsync();

        var newInvite = owner.Page.GetByRole(AriaRole.Form, new() { Name = "New invite" });
        await newInvite.GetByLabel("Expires after").SelectOptionAsync(new SelectOptionValue { Label = "1 day" });
        await newInvite.GetByLabel("Maximum uses").FillAsync("1");
        await newInvite.GetByRole(AriaRole.Button, new() { Name = "Create invite" }).ClickAsync();
        var link = await owner.Page.GetByLabel("Invite link").InputValueAsync();
        Assert.Contains($"#/join/{community}/", link, StringComparison.Ordinal);
        var code = await owner.Page.GetByLabel("Code", new() { Exact = true }).InputValueAsync();
        var invites = owner.Page.GetByRole(AriaRole.Table, new() { Name = "Invites" });
        var invite = invites.GetByRole(AriaRole.Row).Filter(new() { HasText = code });
        await Expect(invite).ToContainTextAsync("0 of 1");
        await Expect(invite).ToContainTextAsync("usable");
        var findings = new List<string>();
        await Axe.Check(owner.Page, "access with an invite", findings);

        // The guest opens the link signed out: sign-in continues to the invite, and joining lands in the community.
        await using var guest = await WebApp.SignInFromAsync(fixture, link, guestId, "Gus");
        await Expect(guest.Page.GetByRole(AriaRole.Heading, new() { Name = "Join with an invite" })).ToBeVisibleAsync();
        await Expect(guest.Page.GetByText("You were invited to a private community")).ToBeVisibleAsync();
        await Axe.Check(guest.Page, "join with an invite", findings);
        await guest.Page.GetByRole(AriaRole.Button, new() { Name = "Join", Exact = true }).ClickAsync();
        await Expect(guest.Page.Locator($"main[data-ready=\"#/c/{community}\"]")).ToHaveCountAsync(1);
        await Expect(guest.Page.GetByRole(AriaRole.Heading, new() { Name = "Fan club" })).ToBeVisibleAsync();
        await Expect(guest.Page.GetByRole(AriaRole.Link, new() { Name = "# Live" })).ToBeVisibleAsync();
        await guest.ScreenshotAsync("roles-invited");

        await owner.ReloadUntilAsync($"#/c/{community}/access", invite.Filter(new() { HasText = "used up" }), 1);
        await Expect(invite).ToContainTextAsync("1 of 1");

        // A second invite, revoked: entering its code is refused with the API's reason.
        await newInvite.GetByLabel("Maximum uses").FillAsync("0");
        await newInvite.GetByRole(AriaRole.Button, new() { Name = "Create invite" }).ClickAsync();
        var revokedCode = await owner.Page.GetByLabel("Code", new() { Exact = true }).InputValueAsync();
        Assert.NotEqual(code, revokedCode);
        await invites.GetByRole(AriaRole.Button, new() { Name = $"Revoke invite {revokedCode}" }).ClickAsync();
        await Expect(invites.GetByRole(AriaRole.Row).Filter(new() { HasText = revokedCode })).ToContainTextAsync("revoked");

        await using var late = await WebApp.SignInAsync(fixture, lateId, "Lia");
        var find = late.Page.GetByRole(AriaRole.Form, new() { Name = "Find a community" });
        await find.GetByLabel("Community id").FillAsync(community);
        await find.GetByLabel("Invite code").FillAsync(revokedCode);
        await find.GetByRole(AriaRole.Button, new() { Name = "Show its guidelines" }).ClickAsync();
        await late.Page.GetByRole(AriaRole.Button, new() { Name = "Join", Exact = true }).ClickAsync();
        await Expect(late.Alert).ToHaveTextAsync(new Regex("^forbidden: .*revoked"));
        await late.OpenAsync("#/communities");
        await Expect(late.Page.GetByRole(AriaRole.List, new() { Name = "Your communities" })).ToContainTextAsync("You have not joined a community yet.");
        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }

    [Fact]
    public async Task A_visitor_asks_to_join_a_restricted_community_and_an_owner_approves_it_on_the_access_screen()
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        var (ownerId, visitorId) = ($"own-{tag}", $"vis-{tag}");
        var community = await Rest.NewCommunity(fixture.Url, ownerId);
        using (var http = await Rest.As(fixture.Url, ownerId))
        {
            (await http.PutAsJsonAsync($"/api/communities/{community}/visibility", new { visibility = "Restricted" })).EnsureSuccessStatusCode();
        }

        await using var visitor = await WebApp.SignInAsync(fixture, visitorId, "Vera");
        var find = visitor.Page.GetByRole(AriaRole.Form, new() { Name = "Find a community" });
        await find.GetByLabel("Community id").FillAsync(community);
        await find.GetByRole(AriaRole.Button, new() { Name = "Show its guidelines" }).ClickAsync();
        await Expect(visitor.Page.GetByText("This community is restricted")).ToBeVisibleAsync();
        var findings = new List<string>();
        await Axe.Check(visitor.Page, "ask to join", findings);
        await visitor.Page.GetByRole(AriaRole.Button, new() { Name = "Ask to join" }).ClickAsync();
        await Expect(visitor.Page.GetByText("Your request to join Fan club waits for a moderator.")).ToBeVisibleAsync();

        await using var owner = await WebApp.SignInAsync(fixture, ownerId, "Olga");
        await owner.OpenAsync($"#/c/{community}/access");
        var requests = owner.Page.GetByRole(AriaRole.List, new() { Name = "Join requests" });
        await Expect(requests).ToContainTextAsync($"Vera ({visitorId}) asked");
        await Axe.Check(owner.Page, "access with a request", findings);
        await owner.Page.GetByRole(AriaRole.Button, new() { Name = "Approve Vera" }).ClickAsync();
        await Expect(owner.Page.GetByText("Vera is now a member.")).ToBeVisibleAsync();
        await Expect(requests).ToHaveTextAsync("No requests wait.");

        var joined = visitor.Page.GetByRole(AriaRole.List, new() { Name = "Your communities" }).GetByRole(AriaRole.Link, new() { Name = "Fan club" });
        await visitor.ReloadUntilAsync("#/communities", joined, 1);
        await joined.ClickAsync();
        await Expect(visitor.Page.GetByRole(AriaRole.Link, new() { Name = "# Live" })).ToBeVisibleAsync();
        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }

    [Fact]
    public async Task The_access_screen_shows_each_part_to_whom_the_API_lets_act_there_and_says_its_refusals()
    {
        var tag = Guid.NewGuid().ToString("n")[..8];
        var (ownerId, modId, keeperId, fanId) = ($"own-{tag}", $"mod-{tag}", $"keep-{tag}", $"fan-{tag}");
        var community = await Rest.NewCommunity(fixture.Url, ownerId, modId, keeperId, fanId);
        using (var http = await Rest.As(fixture.Url, ownerId))
        {
            (await http.PutAsJsonAsync($"/api/communities/{community}/roles/keeper", new { name = "Keeper", position = 300, permissions = new[] { "manage_roles" } })).EnsureSuccessStatusCode();
            (await http.PutAsJsonAsync($"/api/communities/{community}/roles/herald", new { name = "Herald", position = 200, permissions = new[] { "send" } })).EnsureSuccessStatusCode();
            (await http.PutAsJsonAsync($"/api/communities/{community}/members/{modId}/roles", new { roles = new[] { "moderator" } })).EnsureSuccessStatusCode();
            (await http.PutAsJsonAsync($"/api/communities/{community}/members/{keeperId}/roles", new { roles = new[] { "keeper" } })).EnsureSuccessStatusCode();
        }

        var findings = new List<string>();
        await using (var moderator = await WebApp.SignInAsync(fixture, modId, "Mo"))
        {
            await moderator.OpenAsync($"#/c/{community}");
            await moderator.Page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Access" }).ClickAsync();
            await Expect(moderator.Page.GetByRole(AriaRole.Heading, new() { Name = "Invites" })).ToBeVisibleAsync();
            await Expect(moderator.Page.GetByRole(AriaRole.Heading, new() { Name = "Join requests" })).ToBeVisibleAsync();
            await Expect(moderator.Page.GetByRole(AriaRole.Heading, new() { Name = "Roles", Exact = true })).ToHaveCountAsync(0);
            await Expect(moderator.Page.GetByRole(AriaRole.Heading, new() { Name = "Visibility" })).ToHaveCountAsync(0);
        }

        // A keeper manages roles below their own (300): they edit and delete the Herald (200), and one above is refused.
        await using var keeper = await WebApp.SignInAsync(fixture, keeperId, "Kip");
        keeper.Page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await keeper.OpenAsync($"#/c/{community}/access");
        await Expect(keeper.Page.GetByRole(AriaRole.Heading, new() { Name = "Invites" })).ToHaveCountAsync(0);
        await Expect(keeper.Page.GetByRole(AriaRole.Heading, new() { Name = "Visibility" })).ToHaveCountAsync(0);
        await keeper.Page.GetByRole(AriaRole.Button, new() { Name = "Edit role Herald" }).ClickAsync();
        var editor = keeper.Page.GetByRole(AriaRole.Form, new() { Name = "Edit role Herald" });
        await Expect(editor.GetByRole(AriaRole.Checkbox, new() { Name = "send", Exact = true })).ToBeCheckedAsync();
        await editor.GetByLabel("Name", new() { Exact = true }).FillAsync("Heralds");
        await editor.GetByRole(AriaRole.Checkbox, new() { Name = "react", Exact = true }).CheckAsync();
        await editor.GetByRole(AriaRole.Button, new() { Name = "Save role" }).ClickAsync();
        var roles = keeper.Page.GetByRole(AriaRole.Table, new() { Name = "Roles" });
        await Expect(roles.GetByRole(AriaRole.Row).Filter(new() { HasText = "Heralds" })).ToContainTextAsync("send, react");
        await Axe.Check(keeper.Page, "access for a keeper", findings);

        var newRole = keeper.Page.GetByRole(AriaRole.Form, new() { Name = "New role" });
        await newRole.GetByLabel("Id", new() { Exact = true }).FillAsync("captain");
        await newRole.GetByLabel("Name", new() { Exact = true }).FillAsync("Captain");
        await newRole.GetByLabel("Position").FillAsync("400");
        await newRole.GetByRole(AriaRole.Button, new() { Name = "Save role" }).ClickAsync();
        await Expect(keeper.Alert).ToHaveTextAsync(new Regex("^forbidden: "));
        await Expect(roles.GetByRole(AriaRole.Row).Filter(new() { HasText = "Captain" })).ToHaveCountAsync(0);

        await roles.GetByRole(AriaRole.Button, new() { Name = "Delete role Heralds" }).ClickAsync();
        await Expect(keeper.Page.GetByText("Role Heralds deleted.")).ToBeVisibleAsync();
        await Expect(roles.GetByRole(AriaRole.Row).Filter(new() { HasText = "Heralds" })).ToHaveCountAsync(0);

        // A member's own override: one who is not a member is refused by the API, and the column stays to be put right.
        await keeper.Page.GetByRole(AriaRole.Link, new() { Name = "# Live: overrides" }).ClickAsync();
        var addMember = keeper.Page.GetByRole(AriaRole.Form, new() { Name = "Add a member" });
        await addMember.GetByLabel("User id").FillAsync($"nobody-{tag}");
        await addMember.GetByRole(AriaRole.Button, new() { Name = "Add member" }).ClickAsync();
        await keeper.Page.GetByLabel($"send for member nobody-{tag}", new() { Exact = true }).SelectOptionAsync("deny");
        await keeper.Page.GetByRole(AriaRole.Button, new() { Name = "Save overrides" }).ClickAsync();
        await Expect(keeper.Alert).ToHaveTextAsync(new Regex("^not_found: "));
        await keeper.Page.GetByRole(AriaRole.Button, new() { Name = $"Remove member nobody-{tag}" }).ClickAsync();
        await addMember.GetByLabel("User id").FillAsync(fanId);
        await addMember.GetByRole(AriaRole.Button, new() { Name = "Add member" }).ClickAsync();
        await keeper.Page.GetByLabel($"send for member {fanId}", new() { Exact = true }).SelectOptionAsync("deny");
        await keeper.Page.GetByRole(AriaRole.Button, new() { Name = "Save overrides" }).ClickAsync();
        await Expect(keeper.Page.Locator("main [role=status]")).ToHaveTextAsync("Saved.");
        await Expect(keeper.Alert).ToBeHiddenAsync();

        // A member without either permission is offered no access screen, and the page says why when they go there.
        await using var fan = await WebApp.SignInAsync(fixture, fanId, "Fay");
        await fan.OpenAsync($"#/c/{community}");
        await Expect(fan.Page.GetByRole(AriaRole.Link, new() { Name = "Threads" })).ToBeVisibleAsync();
        await Expect(fan.Page.GetByRole(AriaRole.Link, new() { Name = "Access" })).ToHaveCountAsync(0);
        await fan.OpenAsync($"#/c/{community}/access");
        await Expect(fan.Alert).ToContainTextAsync("forbidden");
        // The member's own deny on send: within the caches' 2 s, the channel shows them no composer.
        await fan.ReloadUntilAsync($"#/c/{community}/chat/live", fan.Page.GetByRole(AriaRole.Note), 1);
        await Expect(fan.Page.GetByRole(AriaRole.Note)).ToContainTextAsync("posting here is for some roles only");
        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }
}
