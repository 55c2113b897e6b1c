using System.Net;
using System.Net.Http.Json;
using CommunityScale.Gamification;
using CommunityScale.Notifications;
using CommunityScale.TestSupport;
using CommunityScale.Threads;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Threads")]
public sealed class ThreadApiTests(SystemFixture fixture)
{
    [Fact]
    public async Task Members_ask_answer_edit_react_and_accept_live_and_followers_and_mentioned_members_are_notified()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        var (community, _) = await SystemFixture.NewChannel(owner, ann, bob);
        var forum = $"/api/communities/{community}";
        await ann.WatchCommunity(community);
        await bob.WatchCommunity(community);

        var question = await Responses.Created<ThreadSummary>(await ann.PostAsync($"{forum}/threads",
            new { kind = "Question", title = "How do I sync my calendar?", body = "It **fails** every time, @bob any idea? (@nobody-here)", tags = new[] { "Help", "sync" } }));
        Assert.Equal((ThreadKind.Question, "general", 0), (question.Kind, question.CategoryId, question.Replies));
        Assert.Equal(["help", "sync"], question.Tags);
        var thread = $"{forum}/threads/{question.ThreadId}";
        await bob.WaitUntil(u => u.Notifications.Any(n => n.Kind == NotificationKinds.Mention && n.CommunityId == community), what: "the mention");

        var joined = await bob.Hub.InvokeAsync<JoinThreadResult>("JoinThread", community, question.ThreadId, null);
        Assert.Equal((1L, false), (joined.LastSeq, joined.Following));
        Assert.Contains("<strong>fails</strong>", joined.Posts[0].Html);
        Assert.Equal(["bob"], joined.Posts[0].Mentions);
        await ann.Hub.InvokeAsync<JoinThreadResult>("JoinThread", community, question.ThreadId, 1L);

        var reply = new { body = "Turn it off and on again.", replyToSeq = 1, clientPostId = "bob-1" };
        var answer = await Responses.Created<ThreadPost>(await bob.PostAsync($"{thread}/posts", reply));
        Assert.Equal((2L, $"{question.ThreadId}-2", 1L), (answer.Seq, answer.PostId, answer.ReplyToSeq));
        Assert.Equal(2L, (await Responses.Created<ThreadPost>(await bob.PostAsync($"{thread}/posts", reply))).Seq);
        await ann.WaitUntil(u => u.ThreadEvents.OfType<ThreadPost>().Any(p => p.Seq == 2), what: "the reply, live");
        await ann.WaitUntil(u => u.Notifications.Any(n => n.Kind == NotificationKinds.Reply && n.CommunityId == community), what: "the reply notice to the author, who follows");
        Assert.True((await bob.GetAsync<FollowState>($"{thread}/follow")).Following);

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.PutAsJsonAsync($"{thread}/posts/2", new { body = "Not mine to change" })).StatusCode);
        var edited = await Responses.Read<ThreadPost>(await bob.Http.PutAsJsonAsync($"{thread}/posts/2", new { body = "Turn it off and on again, then *wait*." }));
        Assert.Equal((1, true), (edited.Revisions, edited.Html.Contains("<em>wait</em>", StringComparison.Ordinal)));
        await ann.WaitUntil(u => u.ThreadEvents.OfType<PostEditedEvent>().Any(e => e.Post.Seq == 2), what: "the edit, live");
        Assert.Equal(["Turn it off and on again."], (await ann.GetAsync<List<PostRevision>>($"{thread}/posts/2/revisions")).Select(r => r.Markdown));

        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.PutAsync($"{thread}/posts/2/reactions/poop", null)).StatusCode);
        var reacted = await Responses.Read<PostReactions>(await ann.Http.PutAsync($"{thread}/posts/2/reactions/+1", null));
        Assert.Equal(1, reacted.Counts["+1"]);
        Assert.Equal(["+1"], reacted.Mine!);
        Assert.Equal(1, (await Responses.Read<PostReactions>(await ann.Http.PutAsync($"{thread}/posts/2/reactions/+1", null))).Counts["+1"]);
        await bob.WaitUntil(u => u.ThreadEvents.OfType<PostReactions>().Any(r => r.Seq == 2 && r.Counts.GetValueOrDefault("+1") == 1), what: "the reaction, live");

        var other = await Responses.Created<ThreadSummary>(await ann.PostAsync($"{forum}/threads", new { kind = "Discussion", title = "Off topic", body = "Anything goes." }));
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.Http.PutAsJsonAsync($"{thread}/accepted", new { postId = answer.PostId })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.PutAsJsonAsync($"{thread}/accepted", new { postId = $"{other.ThreadId}-1" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.PutAsJsonAsync($"{forum}/threads/{other.ThreadId}/accepted", new { postId = $"{other.ThreadId}-1" })).StatusCode);
        var accepted = await Responses.Read<ThreadSummary>(await ann.Http.PutAsJsonAsync($"{thread}/accepted", new { postId = answer.PostId }));
        Assert.Equal(2L, accepted.AcceptedSeq);
        await bob.WaitUntil(u => u.Notifications.Any(n => n.Kind == NotificationKinds.AnswerAccepted && n.CommunityId == community), what: "the accepted-answer notice");
        await ann.WaitUntil(u => u.ThreadEvents.OfType<ThreadSummary>().Any(t => t.AcceptedSeq == 2), what: "the accepted answer, live");
        await Responses.Eventually(async () => (await bob.GetAsync<PointsProfile>($"{forum}/members/bob/points")).Points == 2 + 1 + 15, "bob's points: reply 2, reaction 1, accepted 15");

        Assert.Empty((await ann.GetAsync<ThreadListing>($"{forum}/threads?sort=unanswered")).Items);
        var tagged = await ann.GetAsync<ThreadListing>($"{forum}/threads?sort=latest&tag=help");
        Assert.Equal([question.ThreadId], tagged.Items.Select(t => t.ThreadId));

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.DeleteAsync($"{thread}/posts/2")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.Http.DeleteAsync($"{thread}/posts/2")).StatusCode);
        await ann.WaitUntil(u => u.ThreadEvents.OfType<PostRemovedNotice>().Any(r => r.Seq == 2), what: "the removal, live");
        var page = await ann.GetAsync<ThreadPostsPage>($"{thread}?afterSeq=0&limit=10");
        Assert.Equal((2, true, "", (long?)null), (page.Posts.Count, page.Posts[1].Removed, page.Posts[1].Html, page.Thread.AcceptedSeq));
        await Responses.Eventually(async () => (await bob.GetAsync<PointsProfile>($"{forum}/members/bob/points")).Points == 0, "bob's points taken back with the removed post");
    }

    [Fact]
    public async Task Bad_input_is_refused_with_its_code_and_changes_nothing()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga", connectHub: false);
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann", connectHub: false);
        await using var stranger = await TestUser.ConnectAsync(fixture.Url, "stranger", connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, ann);
        var forum = $"/api/communities/{community}";

        Assert.Equal(HttpStatusCode.BadRequest, (await ann.PostAsync($"{forum}/threads", new { kind = "Discussion", title = new string('t', 201), body = "b" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.PostAsync($"{forum}/threads", new { kind = "Discussion", title = "t", body = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.PostAsync($"{forum}/threads", new { kind = "Discussion", title = "t", body = new string('b', 20_001) })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ann.PostAsync($"{forum}/threads", new { kind = "Discussion", title = "t", body = "b", categoryId = "nope" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.PostAsync($"{forum}/threads", new { kind = "Discussion", title = "t", body = "b" })).StatusCode);
        Assert.Empty((await ann.GetAsync<ThreadListing>($"{forum}/threads")).Items);

        var created = await Responses.Created<ThreadSummary>(await ann.PostAsync($"{forum}/threads", new { kind = "Discussion", title = "Hello", body = "First!" }));
        var thread = $"{forum}/threads/{created.ThreadId}";
        Assert.Equal(HttpStatusCode.NotFound, (await ann.Http.GetAsync($"{forum}/threads/999999")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ann.PostAsync($"{forum}/threads/999999/posts", new { body = "hi" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ann.Http.PutAsJsonAsync($"{thread}/posts/7", new { body = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.PostAsync($"{thread}/posts", new { body = "quote", replyToSeq = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.PostAsync($"{thread}/posts", new { body = "let me in" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.PutAsJsonAsync($"{thread}/accepted", new { postId = $"{created.ThreadId}-1" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.PutAsync($"{thread}/vote", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.GetAsync($"{forum}/threads?sort=hot")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.GetAsync($"{forum}/threads?cursor=garbage!")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.GetAsync($"{forum}/threads?tag=Not%20a%20tag")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.PostAsync($"{forum}/forum/categories", new { id = "ideas", name = "Ideas", description = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.PutAsJsonAsync($"{forum}/forum/settings", new { reactions = new[] { "+1" } })).StatusCode);

        var page = await ann.GetAsync<ThreadPostsPage>(thread);
        Assert.Equal((1L, 0), (page.LastSeq, page.Thread.Replies));
    }

    [Fact]
    public async Task Members_vote_on_ideas_and_voters_hear_when_a_manager_sets_the_status()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann", connectHub: false);
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        var (community, _) = await SystemFixture.NewChannel(owner, ann, bob);
        var forum = $"/api/communities/{community}";
        await bob.WatchCommunity(community);
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsync($"{forum}/forum/categories", new { id = "ideas", name = "Ideas", description = "Product feedback" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await owner.PostAsync($"{forum}/forum/categories", new { id = "ideas", name = "Again", description = "" })).StatusCode);
        Assert.Equal(["general", "ideas"], (await ann.GetAsync<List<ForumCategory>>($"{forum}/forum/categories")).Select(c => c.Id));

        var idea = await Responses.Created<ThreadSummary>(await ann.PostAsync($"{forum}/threads", new { categoryId = "ideas", kind = "Idea", title = "Dark mode", body = "Please." }));
        var thread = $"{forum}/threads/{idea.ThreadId}";
        Assert.Equal(1, (await Responses.Read<ThreadSummary>(await bob.Http.PutAsync($"{thread}/vote", null))).Votes);
        Assert.Equal(1, (await Responses.Read<ThreadSummary>(await bob.Http.PutAsync($"{thread}/vote", null))).Votes);
        Assert.Equal(2, (await Responses.Read<ThreadSummary>(await owner.Http.PutAsync($"{thread}/vote", null))).Votes);
        Assert.Equal(1, (await Responses.Read<ThreadSummary>(await owner.Http.DeleteAsync($"{thread}/vote"))).Votes);

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.PutAsJsonAsync($"{thread}/status", new { status = "Planned", comment = "me!" })).StatusCode);
        var planned = await Responses.Read<ThreadSummary>(await owner.Http.PutAsJsonAsync($"{thread}/status", new { status = "Planned", comment = "Coming in March." }));
        Assert.Equal((IdeaStatus.Planned, "Coming in March."), (planned.Status, planned.StatusComment));
        await bob.WaitUntil(u => u.Notifications.Any(n => n.Kind == NotificationKinds.IdeaStatus && n.Text.Contains("planned", StringComparison.Ordinal)), what: "the status notice to a voter");

        var ideas = await ann.GetAsync<ThreadListing>($"{forum}/threads?category=ideas&kind=Idea");
        Assert.Equal([(idea.ThreadId, 1, IdeaStatus.Planned)], ideas.Items.Select(t => (t.ThreadId, t.Votes, t.Status)));
    }

    [Fact]
    public async Task Search_finds_a_post_by_its_words_and_stops_finding_it_once_removed()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga", connectHub: false);
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann", connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, ann);
        var forum = $"/api/communities/{community}";
        var thread = await Responses.Created<ThreadSummary>(await ann.PostAsync($"{forum}/threads", new { kind = "Discussion", title = "Stadium parking", body = "Where do you park near the stadium?" }));
        var reply = await Responses.Created<ThreadPost>(await owner.PostAsync($"{forum}/threads/{thread.ThreadId}/posts", new { body = "The **north garage** opens two hours before kick-off." }));

        await Responses.Eventually(async () => (await ann.GetAsync<SearchResults>($"{forum}/search?q=garage%20kick-off")).Hits.Any(h => h.PostId == reply.PostId), "the reply in search");
        var hits = (await ann.GetAsync<SearchResults>($"{forum}/search?q=stadium")).Hits;
        Assert.Equal([(thread.ThreadId, 1L, "Stadium parking")], hits.Select(h => (h.ThreadId, h.Seq, h.Title)));
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.GetAsync($"{forum}/search?q=")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await owner.Http.DeleteAsync($"{forum}/threads/{thread.ThreadId}/posts/{reply.Seq}")).StatusCode);
        await Responses.Eventually(async () => (await ann.GetAsync<SearchResults>($"{forum}/search?q=garage")).Hits.Count == 0, "the removed reply gone from search");
        Assert.Single((await ann.GetAsync<SearchResults>($"{forum}/search?q=stadium")).Hits);
    }

    [Fact]
    public async Task Members_choose_what_notifies_them_and_mark_everything_read()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga", connectHub: false);
        await using var dora = await TestUser.ConnectAsync(fixture.Url, $"dora-{Guid.NewGuid():n}"[..20], connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, dora);
        var forum = $"/api/communities/{community}";
        Assert.Equal(HttpStatusCode.BadRequest, (await dora.Http.PutAsJsonAsync("/api/me/notifications/settings", new { muted = new[] { "banned" } })).StatusCode);
        var settings = await Responses.Read<NotificationSettingsView>(await dora.Http.PutAsJsonAsync("/api/me/notifications/settings", new { muted = new[] { "reply" } }));
        Assert.Equal(["reply"], settings.Muted);

        var thread = await Responses.Created<ThreadSummary>(await dora.PostAsync($"{forum}/threads", new { kind = "Discussion", title = "Away kit", body = "Thoughts?" }));
        await Responses.Created<ThreadPost>(await owner.PostAsync($"{forum}/threads/{thread.ThreadId}/posts", new { body = "Love it." }));
        await Responses.Created<ThreadPost>(await owner.PostAsync($"{forum}/threads/{thread.ThreadId}/posts", new { body = $"@{dora.UserId} what do you think of the socks?" }));
        await Responses.Eventually(async () => (await dora.GetAsync<NotificationPage>("/api/me/notifications")).Items.Any(n => n.Kind == NotificationKinds.Mention), "the mention");
        var inbox = await dora.GetAsync<NotificationPage>("/api/me/notifications");
        Assert.DoesNotContain(inbox.Items, n => n.Kind == NotificationKinds.Reply);
        Assert.True(inbox.Unread > 0);

        var read = await Responses.Read<UnreadCount>(await dora.Http.PostAsync("/api/me/notifications/read-all", null));
        Assert.Equal(0, read.Unread);
        Assert.Equal(0, (await dora.GetAsync<NotificationPage>("/api/me/notifications")).Unread);
    }

    private sealed record FollowState(bool Following);

    private sealed record NotificationSettingsView(IReadOnlyList<string> Muted);

    private sealed record UnreadCount(int Unread);

    private sealed record JoinThreadResult(ThreadSummary Thread, long LastSeq, IReadOnlyList<ThreadPost> Posts, bool HasMore, bool Following);
}
