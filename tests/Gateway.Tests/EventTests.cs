using System.Net;
using System.Net.Http.Json;
using CommunityScale.Events;
using CommunityScale.Gamification;
using CommunityScale.Notifications;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Events")]
public sealed class EventTests(SystemFixture fixture)
{
    [Fact]
    public async Task A_community_day_with_rsvp_waitlist_check_in_and_a_live_q_and_a_ordered_by_votes()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        await using var cara = await TestUser.ConnectAsync(fixture.Url, "cara");
        await using var dave = await TestUser.ConnectAsync(fixture.Url, "dave", connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, ann, bob, cara, dave);
        var events = $"/api/communities/{community}/events";
        var now = DateTimeOffset.UtcNow;
        var day = new
        {
            id = "day",
            title = "Community Day",
            description = "Our yearly day, online.",
            startsAt = now.AddHours(-1),
            endsAt = now.AddHours(3),
            capacity = 2,
            sessions = new[]
            {
                new { id = "keynote", title = "Keynote", track = "Main", speakers = new[] { "Olga" }, startsAt = now.AddMinutes(-30), endsAt = now.AddHours(1) },
                new { id = "panel", title = "Fan panel", track = "Main", speakers = new[] { "Ann", "Bob" }, startsAt = now.AddHours(1), endsAt = now.AddHours(2) },
            },
        };
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.PostAsync(events, day)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsync(events, day with { id = "bad", endsAt = now.AddHours(-2) })).StatusCode);
        var created = await Responses.Read<CommunityEvent>(await owner.PostAsync(events, day), HttpStatusCode.Created);
        Assert.Equal(["keynote", "panel"], created.Sessions.Select(s => s.Id));
        Assert.Equal("day-keynote", created.Sessions[0].ChannelId);

        // RSVP: two places, then the waitlist; a cancellation promotes the first waiting member, who is told.
        await cara.WatchCommunity(community);
        Assert.Equal(RsvpStatus.Going, (await Put<RsvpState>(ann, $"{events}/day/rsvp")).Status);
        Assert.Equal(RsvpStatus.Going, (await Put<RsvpState>(bob, $"{events}/day/rsvp")).Status);
        var waiting = await Put<RsvpState>(cara, $"{events}/day/rsvp");
        Assert.Equal((RsvpStatus.Waitlisted, (int?)1), (waiting.Status, waiting.WaitlistPosition));
        Assert.Equal(RsvpStatus.Waitlisted, (await Put<RsvpState>(cara, $"{events}/day/rsvp")).Status);
        Assert.Equal(RsvpStatus.None, (await Responses.Read<RsvpState>(await bob.Http.DeleteAsync($"{events}/day/rsvp"))).Status);
        Assert.Equal(RsvpStatus.Going, (await cara.GetAsync<RsvpState>($"{events}/day/rsvp")).Status);
        await cara.WaitUntil(u => u.Notifications.Any(n => n.Kind == NotificationKinds.EventPromoted && n.CommunityId == community), what: "the promotion notice");
        Assert.Equal((2, 0), ((await owner.GetAsync<CommunityEvent>($"{events}/day")).Going, (await owner.GetAsync<CommunityEvent>($"{events}/day")).Waitlisted));

        // Check-in: for those going, while the event runs, once; it earns points.
        Assert.True((await Responses.Read<RsvpState>(await ann.PostAsync($"{events}/day/checkin"))).CheckedIn);
        Assert.True((await Responses.Read<RsvpState>(await ann.PostAsync($"{events}/day/checkin"))).CheckedIn);
        Assert.Equal(HttpStatusCode.BadRequest, (await dave.PostAsync($"{events}/day/checkin")).StatusCode);
        Assert.Equal(10L, (await ann.GetAsync<PointsProfile>($"/api/communities/{community}/members/ann/points")).Points);

        // Live Q&A: asks and votes reach every watcher; the board orders pinned, then votes.
        var q = $"{events}/day/sessions/keynote/questions";
        foreach (var watcher in new[] { ann, bob, cara })
        {
            Assert.Empty(await watcher.Hub.InvokeAsync<List<Question>>("WatchSession", community, "day", "keynote"));
        }

        var first = await Responses.Read<Question>(await ann.PostAsync(q, new { text = "Will there be a recording?" }), HttpStatusCode.Created);
        var second = await Responses.Read<Question>(await bob.PostAsync(q, new { text = "When is the next away trip?" }), HttpStatusCode.Created);
        await cara.WaitUntil(u => u.QuestionEvents.Count(e => e.Change == "asked") == 2, what: "both questions, live");
        var votes = await Task.WhenAll(new[] { ann, cara, owner, ann }.Select(u => Put<VoteView>(u, $"{q}/{second.Id}/vote")));
        Assert.Equal(3, votes.Max(v => v.Votes));
        Assert.Equal(1, (await Put<VoteView>(cara, $"{q}/{first.Id}/vote")).Votes);
        await bob.WaitUntil(u => u.QuestionEvents.Any(e => e.Question.Id == second.Id && e.Question.Votes == 3), what: "the vote count, live");
        Assert.Equal([second.Id, first.Id], (await ann.GetAsync<List<Question>>(q)).Select(x => x.Id));

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.PutAsJsonAsync($"{q}/{first.Id}", new { pinned = true })).StatusCode);
        Assert.True((await Responses.Read<Question>(await owner.Http.PutAsJsonAsync($"{q}/{first.Id}", new { pinned = true, answered = true }))).Pinned);
        Assert.True((await Responses.Read<Question>(await owner.Http.PutAsJsonAsync($"{q}/{second.Id}", new { hidden = true }))).Hidden);
        Assert.Equal([first.Id], (await ann.GetAsync<List<Question>>(q)).Select(x => x.Id));
        Assert.Equal([first.Id, second.Id], (await owner.GetAsync<List<Question>>(q)).Select(x => x.Id));
        await ann.WaitUntil(u => u.QuestionEvents.Any(e => e.Question.Id == first.Id && e.Question.Pinned), what: "the pin, live");

        // A live poll: one ballot per member (a second replaces the first), results pushed to watchers, closed polls refuse.
        var polls = $"{events}/day/sessions/keynote/polls";
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.PostAsync(polls, new { question = "Best goal?", options = new[] { "A", "B" }, multiple = false })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsync(polls, new { question = "One option?", options = new[] { "A" }, multiple = false })).StatusCode);
        var poll = await Responses.Created<Poll>(await owner.PostAsync(polls, new { question = "Best goal?", options = new[] { "Header", "Volley", "Free kick" }, multiple = false }));
        await Task.WhenAll(new[] { (ann, 1), (bob, 1), (cara, 2) }.Select(v => v.Item1.Http.PutAsJsonAsync($"{polls}/{poll.Id}/vote", new { choices = new[] { v.Item2 } })));
        var changed = await (await bob.Http.PutAsJsonAsync($"{polls}/{poll.Id}/vote", new { choices = new[] { 2 } })).Read<Poll>();
        Assert.Equal([0, 1, 2], changed.Counts);
        Assert.Equal(3, changed.Voters);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.PutAsJsonAsync($"{polls}/{poll.Id}/vote", new { choices = new[] { 7 } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.PutAsJsonAsync($"{polls}/{poll.Id}/vote", new { choices = new[] { 0, 1 } })).StatusCode);
        Assert.False((await (await owner.Http.PutAsJsonAsync($"{polls}/{poll.Id}/open", new { open = false })).Read<Poll>()).Open);
        Assert.Equal(HttpStatusCode.BadRequest, (await dave.Http.PutAsJsonAsync($"{polls}/{poll.Id}/vote", new { choices = new[] { 0 } })).StatusCode);
        await cara.WaitUntil(u => u.PollEvents.Any(p => p.Id == poll.Id && !p.Open && p.Voters == 3), what: "the closed poll's results, live");
        Assert.Equal([poll.Id], (await ann.GetAsync<List<Poll>>(polls)).Select(p => p.Id));

        // The post-event survey: for those who went, one answer each (a second replaces it), results for the organiser.
        var survey = $"{events}/day/survey";
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.Http.PutAsJsonAsync(survey, new { satisfaction = 6, nps = 9 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await dave.Http.PutAsJsonAsync(survey, new { satisfaction = 5, nps = 9 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ann.Http.PutAsJsonAsync(survey, new { satisfaction = 3, nps = 6 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ann.Http.PutAsJsonAsync(survey, new { satisfaction = 5, nps = 10, comment = "Loved the keynote" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await cara.Http.PutAsJsonAsync(survey, new { satisfaction = 2, nps = 3 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.GetAsync($"{survey}/results")).StatusCode);
        var results = await owner.GetAsync<SurveyResults>($"{survey}/results");
        Assert.Equal((2, 3.5, 50.0, 0.0), (results.Answers, results.AverageSatisfaction, results.Csat, results.Nps));
        Assert.Equal(["Loved the keynote"], results.Comments);

        // Each session talks in its own channel.
        await ann.JoinChannel(community, "day-keynote");
        Assert.True((await ann.Send(community, "day-keynote", "Great keynote!")).Seq > 0);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.PostAsync(q, new { text = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ann.PostAsync($"{events}/day/sessions/nope/questions", new { text = "Hello?" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ann.Http.PutAsync($"{q}/0123456789abcdef0123456789abcdef/vote", null)).StatusCode);
    }

    private static async Task<T> Put<T>(TestUser user, string path) => await (await user.Http.PutAsync(path, null)).Read<T>();

    private sealed record VoteView(int Votes);
}
