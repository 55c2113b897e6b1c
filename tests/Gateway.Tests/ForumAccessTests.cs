using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CommunityScale.Communities;
using CommunityScale.Gateway.Hubs;
using CommunityScale.Notifications;
using CommunityScale.TestSupport;
using CommunityScale.Threads;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

/// <summary>Forum categories under roles and overrides: who reads, opens and replies, and what leaks nowhere, through the public API.</summary>
[Collection(SharedSystem.Name)]
[Trait("Area", "Roles")]
public sealed class ForumAccessTests(SystemFixture fixture)
{
    private sealed record Search(string Query, int Total, SearchHit[] Hits);

    private sealed record Perms(string[] Permissions);

    private static readonly object StaffOnly = new
    {
        overrides = new object[] { new { role = "everyone", deny = new[] { "view" } }, new { role = "staff", allow = new[] { "view" } } },
    };

    private static async Task<string> CodeOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString()!;

    /// <summary>A forum category <paramref name="category"/> and a role "staff" (view, create threads, reply, react) held by <paramref name="holders"/>.</summary>
    private static async Task StaffRole(TestUser owner, string community, string category, params TestUser[] holders)
    {
        (await owner.PostAsync($"/api/communities/{community}/forum/categories", new { id = category, name = category, description = "" })).EnsureSuccessStatusCode();
        (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/roles/staff",
            new { name = "Staff", position = 10, permissions = new[] { "view", "create_threads", "reply", "react" } })).EnsureSuccessStatusCode();
        foreach (var holder in holders)
        {
            (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/members/{holder.UserId}/roles", new { roles = new[] { "staff" } })).EnsureSuccessStatusCode();
        }
    }

    private static async Task<ThreadSummary> Open(TestUser author, string community, string category, string title, string body) =>
        await Responses.Created<ThreadSummary>(await author.PostAsync($"/api/communities/{community}/threads", new { categoryId = category, kind = "Discussion", title, body }));

    private static async Task<Search> Find(TestUser user, string community, string q) => await user.GetAsync<Search>($"/api/communities/{community}/search?q={q}");

    private static Task WaitIndexed(TestUser reader, string community, string q, int total) =>
        Responses.Eventually(async () => (await Find(reader, community, q)).Total == total, $"{total} hits for '{q}' in the index");

    [Fact]
    public async Task A_staff_category_is_invisible_to_non_holders_on_every_path_and_in_search_and_open_to_holders()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "fa-olga", connectHub: false);
        await using var sam = await TestUser.ConnectAsync(fixture.Url, "fa-sam");
        await using var max = await TestUser.ConnectAsync(fixture.Url, "fa-max");
        await using var visitor = await TestUser.ConnectAsync(fixture.Url, "fa-vic");
        var (community, _) = await SystemFixture.NewChannel(owner, sam, max);
        var forum = $"/api/communities/{community}";
        await StaffRole(owner, community, "staff", sam);
        var set = await owner.Http.PutAsJsonAsync($"{forum}/categories/staff/overrides", StaffOnly);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);

        var secret = await Open(sam, community, "staff", "Zebra roadmap", "The zebra budget doubles next year.");
        var open = await Open(max, community, "general", "Zebra crossing", "Where do we meet?");
        await WaitIndexed(sam, community, "zebra", 2);
        var thread = $"{forum}/threads/{secret.ThreadId}";

        foreach (var outsider in new[] { max, visitor })
        {
            Assert.DoesNotContain((await outsider.GetAsync<ForumCategory[]>($"{forum}/forum/categories")).Select(c => c.Id), id => id == "staff");
            Assert.Equal([open.ThreadId], (await outsider.GetAsync<ThreadListing>($"{forum}/threads")).Items.Select(t => t.ThreadId));
            Assert.Empty((await outsider.GetAsync<ThreadListing>($"{forum}/threads?category=staff")).Items);
            var found = await Find(outsider, community, "zebra");
            Assert.Equal(1, found.Total);
            Assert.Equal([open.ThreadId], found.Hits.Select(h => h.ThreadId));
            Assert.Equal(0, (await Find(outsider, community, "budget")).Total);
            foreach (var path in new[] { thread, $"{thread}/follow", $"{thread}/posts/1/revisions", $"{thread}/permissions/me" })
            {
                Assert.Equal(HttpStatusCode.NotFound, (await outsider.Http.GetAsync(path)).StatusCode);
            }

            Assert.Equal("not_found", await CodeOf(await outsider.PostAsync($"{thread}/posts", new { body = "let me in", replyToSeq = 99 })));
            Assert.Equal("not_found", await CodeOf(await outsider.Http.PutAsync($"{thread}/posts/1/reactions/+1", null)));
            Assert.Equal("not_found", await CodeOf(await outsider.Http.PutAsync($"{thread}/follow", null)));
            Assert.Equal("not_found", await CodeOf(await outsider.PostAsync($"{forum}/threads", new { categoryId = "staff", kind = "Discussion", title = "t", body = "b" })));
            Assert.Equal("not_found", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() =>
                outsider.Hub.InvokeAsync<JoinThreadResult>("JoinThread", community, secret.ThreadId, null))));
        }

        Assert.Equal("not_found", await CodeOf(await max.Http.PutAsJsonAsync($"{thread}/posts/1", new { body = "mine now" })));
        Assert.Equal("not_found", await CodeOf(await max.Http.DeleteAsync($"{thread}/posts/1")));

        // Nothing changed, and the holder (and the owner) see it all.
        var page = await sam.GetAsync<ThreadPostsPage>(thread);
        Assert.Equal((1L, 0), (page.LastSeq, page.Posts[0].Reactions?.Count ?? 0));
        Assert.Equal(2, (await Find(sam, community, "zebra")).Total);
        Assert.Contains("staff", (await sam.GetAsync<ForumCategory[]>($"{forum}/forum/categories")).Select(c => c.Id));
        Assert.Equal([secret.ThreadId], (await owner.GetAsync<ThreadListing>($"{forum}/threads?category=staff")).Items.Select(t => t.ThreadId));
        var chart = await Responses.Created<Posting.AttachmentInfo>(await AttachmentTests.Upload(sam, community, AttachmentTests.Png, "chart.png"));
        Assert.Equal(HttpStatusCode.Created, (await sam.PostAsync($"{thread}/posts", new { body = "Agreed.", attachmentIds = new[] { chart.Id } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sam.Http.GetAsync($"{forum}/attachments/{chart.Id}/link")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await max.Http.GetAsync($"{forum}/attachments/{chart.Id}/link")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.Http.GetAsync($"{forum}/attachments/{chart.Id}/link")).StatusCode);
        Assert.Contains("reply", (await sam.GetAsync<Perms>($"{thread}/permissions/me")).Permissions);
        var joined = await sam.Hub.InvokeAsync<JoinThreadResult>("JoinThread", community, secret.ThreadId, null);
        Assert.Equal(2L, joined.LastSeq);

        // Overrides are the managers' to read and set; a category that does not exist has none.
        Assert.Equal(2, (await owner.GetAsync<JsonElement[]>($"{forum}/categories/staff/overrides")).Length);
        Assert.Equal(HttpStatusCode.Forbidden, (await max.Http.GetAsync($"{forum}/categories/staff/overrides")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await max.Http.PutAsJsonAsync($"{forum}/categories/staff/overrides", new { overrides = Array.Empty<object>() })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.PutAsJsonAsync($"{forum}/categories/nope/overrides", StaffOnly)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.GetAsync($"{forum}/categories/nope/overrides")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PutAsJsonAsync($"{forum}/categories/Bad!/overrides", StaffOnly)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PutAsJsonAsync($"{forum}/categories/staff/overrides",
            new { overrides = new object[] { new { role = "staff", member = sam.UserId, allow = new[] { "view" } } } })).StatusCode);
        Assert.Equal(2, (await owner.GetAsync<JsonElement[]>($"{forum}/categories/staff/overrides")).Length);
        await Responses.Eventually(async () =>
            (await owner.GetAsync<JsonElement>($"{forum}/moderation/audit?limit=50")).GetRawText().Contains("category:staff", StringComparison.Ordinal),
            "the category's overrides in the audit log");
    }

    [Fact]
    public async Task An_announcement_category_is_read_by_all_opened_by_one_role_and_replies_follow_the_override()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "fn-olga", connectHub: false);
        await using var herald = await TestUser.ConnectAsync(fixture.Url, "fn-herald", connectHub: false);
        await using var fan = await TestUser.ConnectAsync(fixture.Url, "fn-fan", connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, herald, fan);
        var forum = $"/api/communities/{community}";
        (await owner.PostAsync($"{forum}/forum/categories", new { id = "news", name = "News", description = "" })).EnsureSuccessStatusCode();
        (await owner.Http.PutAsJsonAsync($"{forum}/roles/herald", new { name = "Herald", position = 5, permissions = new[] { "view" } })).EnsureSuccessStatusCode();
        (await owner.Http.PutAsJsonAsync($"{forum}/members/{herald.UserId}/roles", new { roles = new[] { "herald" } })).EnsureSuccessStatusCode();
        (await owner.Http.PutAsJsonAsync($"{forum}/categories/news/overrides", new
        {
            overrides = new object[] { new { role = "everyone", deny = new[] { "create_threads", "reply" } }, new { role = "herald", allow = new[] { "create_threads" } } },
        })).EnsureSuccessStatusCode();

        var refused = await fan.PostAsync($"{forum}/threads", new { categoryId = "news", kind = "Discussion", title = "Me too", body = "b" });
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (refused.StatusCode, await CodeOf(refused)));
        var news = await Open(herald, community, "news", "Doors open at 7", "See you there.");
        var thread = $"{forum}/threads/{news.ThreadId}";
        Assert.Equal(["Doors open at 7"], (await fan.GetAsync<ThreadListing>($"{forum}/threads?category=news")).Items.Select(t => t.Title));
        Assert.Equal(1L, (await fan.GetAsync<ThreadPostsPage>(thread)).LastSeq);
        Assert.Equal(["view", "send", "react", "attach"], (await fan.GetAsync<Perms>($"{thread}/permissions/me")).Permissions);
        Assert.Equal("forbidden", await CodeOf(await fan.PostAsync($"{thread}/posts", new { body = "Great!" })));
        Assert.Equal("forbidden", await CodeOf(await herald.PostAsync($"{thread}/posts", new { body = "Bring a friend." })));
        Assert.Equal(HttpStatusCode.OK, (await fan.Http.PutAsync($"{thread}/posts/1/reactions/+1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await fan.PostAsync($"{forum}/threads", new { kind = "Discussion", title = "Elsewhere", body = "b" })).StatusCode);
        Assert.Equal(1L, (await fan.GetAsync<ThreadPostsPage>(thread)).LastSeq);

        // The community lets everyone reply after all: within the caches' window, the fan's reply goes through.
        (await owner.Http.PutAsJsonAsync($"{forum}/categories/news/overrides", new
        {
            overrides = new object[] { new { role = "everyone", deny = new[] { "create_threads" } }, new { role = "herald", allow = new[] { "create_threads" } } },
        })).EnsureSuccessStatusCode();
        await Responses.Eventually(async () => (await fan.PostAsync($"{thread}/posts", new { body = "Great!", clientPostId = "fan-1" })).StatusCode == HttpStatusCode.Created,
            "the fan's reply accepted");
        Assert.Equal(["See you there.", "Great!"], (await herald.GetAsync<ThreadPostsPage>(thread)).Posts.Select(p => p.Markdown));
    }

    [Fact]
    public async Task Losing_the_role_closes_the_category_to_reads_posts_and_search()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "fr-olga", connectHub: false);
        await using var sam = await TestUser.ConnectAsync(fixture.Url, "fr-sam", connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, sam);
        var forum = $"/api/communities/{community}";
        await StaffRole(owner, community, "staff", sam);
        (await owner.Http.PutAsJsonAsync($"{forum}/categories/staff/overrides", StaffOnly)).EnsureSuccessStatusCode();
        var secret = await Open(owner, community, "staff", "Quokka plans", "The quokka launch is in May.");
        var thread = $"{forum}/threads/{secret.ThreadId}";
        await WaitIndexed(sam, community, "quokka", 1);
        Assert.Equal(HttpStatusCode.Created, (await sam.PostAsync($"{thread}/posts", new { body = "Noted." })).StatusCode);

        (await owner.Http.PutAsJsonAsync($"{forum}/members/{sam.UserId}/roles", new { roles = Array.Empty<string>() })).EnsureSuccessStatusCode();
        await Responses.Eventually(async () => (await sam.Http.GetAsync(thread)).StatusCode == HttpStatusCode.NotFound, "the staff thread gone for sam");
        Assert.Equal("not_found", await CodeOf(await sam.PostAsync($"{thread}/posts", new { body = "still here?" })));
        // Each grain trusts a reader's record for up to 2 s: the listing and the index follow within that window.
        await Responses.Eventually(async () => (await sam.GetAsync<ThreadListing>($"{forum}/threads")).Items.Count == 0, "the staff thread gone from sam's listing");
        await Responses.Eventually(async () => (await Find(sam, community, "quokka")).Total == 0, "the staff thread gone from sam's search");
        Assert.Equal(2L, (await owner.GetAsync<ThreadPostsPage>(thread)).LastSeq);
    }

    [Fact]
    public async Task Notices_of_a_category_reach_only_those_who_may_view_it()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "fm-olga", connectHub: false);
        await using var sam = await TestUser.ConnectAsync(fixture.Url, "fm-sam", connectHub: false);
        await using var ada = await TestUser.ConnectAsync(fixture.Url, "fm-ada");
        await using var max = await TestUser.ConnectAsync(fixture.Url, "fm-max");
        var (community, _) = await SystemFixture.NewChannel(owner, sam, ada, max);
        var forum = $"/api/communities/{community}";
        await StaffRole(owner, community, "team", sam, ada);
        await ada.WatchCommunity(community);
        await max.WatchCommunity(community);
        var plans = await Open(sam, community, "team", "Team plans", "Open to all for now.");
        var thread = $"{forum}/threads/{plans.ThreadId}";
        (await ada.PostAsync($"{thread}/posts", new { body = "I follow." })).EnsureSuccessStatusCode();
        (await max.PostAsync($"{thread}/posts", new { body = "Me too." })).EnsureSuccessStatusCode();
        (await sam.PostAsync($"{thread}/posts", new { body = "Welcome both." })).EnsureSuccessStatusCode();
        await max.WaitUntil(u => u.Notifications.Any(n => n.CommunityId == community && n.Kind == NotificationKinds.Reply), what: "the reply notice while the category is open");

        (await owner.Http.PutAsJsonAsync($"{forum}/categories/team/overrides", StaffOnly)).EnsureSuccessStatusCode();
        (await sam.PostAsync($"{thread}/posts", new { body = "The secret salary table is ready." })).EnsureSuccessStatusCode();
        (await sam.PostAsync($"{thread}/posts", new { body = "@fm-max @fm-ada look at the secret salary table." })).EnsureSuccessStatusCode();

        // Both notices went out in the follow-ups that carried Ada's: Max's would have come with them.
        await ada.WaitUntil(u => u.Notifications.Count(n => n.CommunityId == community && n.Text.Contains("salary", StringComparison.Ordinal)) == 2,
            what: "Ada's reply and mention notices");
        Assert.DoesNotContain(max.Notifications, n => n.Text.Contains("salary", StringComparison.Ordinal));
        var inbox = await max.GetAsync<NotificationPage>("/api/me/notifications?limit=50");
        Assert.DoesNotContain(inbox.Items, n => n.Text.Contains("salary", StringComparison.Ordinal));
        Assert.DoesNotContain(inbox.Items, n => n.CommunityId == community && n.Kind == NotificationKinds.Mention);
    }

    [Fact]
    public async Task A_webhook_gets_forum_events_only_from_categories_its_creator_may_view()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Behave("dev", _ => Task.FromResult(200));
        receiver.Behave("all", _ => Task.FromResult(200));
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "fw-olga", connectHub: false);
        await using var sam = await TestUser.ConnectAsync(fixture.Url, "fw-sam", connectHub: false);
        await using var dev = await TestUser.ConnectAsync(fixture.Url, "fw-dev", connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, sam, dev);
        var forum = $"/api/communities/{community}";
        await StaffRole(owner, community, "staff", sam);
        (await owner.Http.PutAsJsonAsync($"{forum}/categories/staff/overrides", StaffOnly)).EnsureSuccessStatusCode();
        (await owner.Http.PutAsJsonAsync($"{forum}/roles/integrator", new { name = "Integrator", position = 5, permissions = new[] { "view", "manage_webhooks" } })).EnsureSuccessStatusCode();
        (await owner.Http.PutAsJsonAsync($"{forum}/members/{dev.UserId}/roles", new { roles = new[] { "integrator" } })).EnsureSuccessStatusCode();
        (await dev.PostAsync($"{forum}/webhooks", new { url = receiver.HookUrl("dev"), events = new[] { "thread.created", "post.created" } })).EnsureSuccessStatusCode();
        (await owner.PostAsync($"{forum}/webhooks", new { url = receiver.HookUrl("all"), events = new[] { "thread.created", "post.created" } })).EnsureSuccessStatusCode();

        // The owner's endpoint gets the staff thread's events: by then the registry has handed them to every endpoint,
        // so the dev's endpoint, which delivers in order, would send them before anything raised later.
        var secret = await Open(sam, community, "staff", "Salary review", "Friday, keep it quiet.");
        (await sam.PostAsync($"{forum}/threads/{secret.ThreadId}/posts", new { body = "The salary sheet is attached." })).EnsureSuccessStatusCode();
        await Responses.Eventually(() => Task.FromResult(receiver.Delivered("all").Count >= 2), "the staff thread's events at the owner's endpoint", TimeSpan.FromSeconds(30));
        var open = await Open(sam, community, "general", "Kick-off", "At eight.");
        (await sam.PostAsync($"{forum}/threads/{open.ThreadId}/posts", new { body = "See you all there." })).EnsureSuccessStatusCode();

        await Responses.Eventually(() => Task.FromResult(receiver.Delivered("dev").Count >= 2), "the public thread's events at the endpoint", TimeSpan.FromSeconds(30));
        Assert.Equal(2, receiver.Delivered("dev").Count);
        Assert.DoesNotContain(receiver.Delivered("dev"), r => r.Body.Contains("alary", StringComparison.Ordinal));
        Assert.Contains(receiver.Delivered("all"), r => r.Body.Contains("alary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_private_communitys_forum_does_not_exist_for_outsiders_and_a_restricted_ones_shows_them_nothing()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "fp-olga", connectHub: false);
        await using var guest = await TestUser.ConnectAsync(fixture.Url, "fp-gus");
        foreach (var visibility in new[] { "private", "restricted" })
        {
            var community = $"fp-{Guid.NewGuid():n}"[..20];
            var forum = $"/api/communities/{community}";
            (await owner.PostAsync("/api/communities", new { id = community, name = "Club", visibility })).EnsureSuccessStatusCode();
            var secret = await Open(owner, community, "general", "Walrus meeting", "Members only.");
            await WaitIndexed(owner, community, "walrus", 1);
            var thread = $"{forum}/threads/{secret.ThreadId}";

            foreach (var path in new[] { thread, $"{thread}/follow" })
            {
                Assert.Equal(HttpStatusCode.NotFound, (await guest.Http.GetAsync(path)).StatusCode);
            }

            Assert.Equal("not_found", await CodeOf(await guest.PostAsync($"{thread}/posts", new { body = "hi" })));
            Assert.Equal("not_found", await CodeOf(await guest.PostAsync($"{forum}/threads", new { kind = "Discussion", title = "t", body = "b" })));
            Assert.Equal("not_found", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() =>
                guest.Hub.InvokeAsync<JoinThreadResult>("JoinThread", community, secret.ThreadId, null))));
            if (visibility == "private")
            {
                foreach (var path in new[] { "/forum/categories", "/forum/settings", "/threads", "/search?q=walrus" })
                {
                    Assert.Equal(HttpStatusCode.NotFound, (await guest.Http.GetAsync($"{forum}{path}")).StatusCode);
                }
            }
            else
            {
                Assert.Empty(await guest.GetAsync<ForumCategory[]>($"{forum}/forum/categories"));
                Assert.Empty((await guest.GetAsync<ThreadListing>($"{forum}/threads")).Items);
                Assert.Equal(0, (await Find(guest, community, "walrus")).Total);
            }

            Assert.Equal(["Members only."], (await owner.GetAsync<ThreadPostsPage>(thread)).Posts.Select(p => p.Markdown));
        }
    }
}
