using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using CommunityScale.Chat;
using CommunityScale.Events;
using CommunityScale.Gateway.Hubs;
using CommunityScale.Posting;
using CommunityScale.TestSupport;
using CommunityScale.Threads;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// Issue 27's matrix: every endpoint and hub method that reads or changes a community's chat, forum or other content,
/// one row each (<see cref="Table"/>, and <see cref="LaterReads"/>), driven with a member who may, a member who may not, a member whose permission
/// was taken away while connected, and a signed-in outsider. A refused caller gets the row's code and none of the
/// content (its words, "plover", never appear in a refusal), and a refused change changes nothing (the row's probe
/// reads the same before and after). The community is private, and its <c>everyone</c> role may not view: only the
/// role <c>crew</c> may, so one role decides everything here.
/// </summary>
[Collection(SharedSystem.Name)]
[Trait("Area", "Roles")]
public sealed partial class AccessMatrixTests(SystemFixture fixture)
{
    /// <summary>Every word of the community's content carries it; ids carry "zqx" (a refusal may echo what the caller asked for).</summary>
    private const string Secret = "plover";

    private const string Vault = "zqx-vault";
    private const string Den = "zqx-cat";
    private const string Day = "zqx-day";
    private const string Drive = "zqx-drive";

    private static readonly SemaphoreSlim Building = new(1, 1);
    private static World? _world;

    public static TheoryData<string> Rows
    {
        get
        {
            var rows = new TheoryData<string>();
            foreach (var row in ReadTable)
            {
                rows.Add(row.Name);
            }

            return rows;
        }
    }

    /// <summary>What the callers who may not act get: a refusal with its code, a listing without the hidden things, or the plain answer (no content in it).</summary>
    private sealed record Expect(string Kind, string? Code = null)
    {
        public static Expect NotFound { get; } = new("refused", "not_found");

        public static Expect Forbidden { get; } = new("refused", "forbidden");

        public static Expect Filtered { get; } = new("filtered");

        public static Expect Allowed { get; } = new("allowed");

        public override string ToString() => Code ?? Kind;
    }

    private sealed record Outcome(bool Ok, string? Code, string Body);

    /// <summary>
    /// One endpoint or hub method. <see cref="Call"/> runs as each user with the target <see cref="Prepare"/> made (as
    /// the one who may); <see cref="ByOwner"/> rows are the managers' (the one who may is the owner).
    /// </summary>
    private sealed record Row(
        string Name,
        Expect Others,
        Func<World, TestUser, long, Task<Outcome>> Call,
        bool ByOwner = false,
        bool Shows = false,
        Func<World, Task<string>>? Probe = null,
        Func<World, TestUser, Task<long>>? Prepare = null,
        string? MayCode = null,
        Expect? Outsider = null);

    private sealed record World
    {
        public required string C { get; init; }

        public required TestUser Owner { get; init; }

        public required TestUser May { get; init; }

        public required TestUser MayNot { get; init; }

        public required TestUser Lost { get; init; }

        public required TestUser Outsider { get; init; }

        public required TestUser Vic { get; init; }

        public required string Question { get; init; }

        public required string Idea { get; init; }

        public required ThreadPost MayPost { get; init; }

        public required long MayMessage { get; init; }

        public required string AttachmentId { get; init; }

        public required string AskedId { get; init; }

        public required string PollId { get; init; }

        public required TimeSpan ChannelDrop { get; init; }

        public required TimeSpan ThreadDrop { get; init; }

        public required int LostPresenceAtDrop { get; init; }

        public string P(string rest) => $"/api/communities/{C}{rest}";

        public string T(string thread, string rest = "") => P($"/threads/{thread}{rest}");

        public string Q(string rest = "") => P($"/events/{Day}/sessions/talk{rest}");
    }

    private static Row R(string name, Expect others, Func<World, TestUser, long, Task<Outcome>> call, bool byOwner = false, bool shows = false,
        Func<World, Task<string>>? probe = null, Func<World, TestUser, Task<long>>? prepare = null, string? mayCode = null, Expect? outsider = null) =>
        new(name, others, call, byOwner, shows, probe, prepare, mayCode, outsider);

    private static Func<World, TestUser, long, Task<Outcome>> Get(Func<World, long, string> path) => (w, u, t) => Http(u.Http.GetAsync(path(w, t)));

    private static Func<World, TestUser, long, Task<Outcome>> Put(Func<World, long, string> path, object? body = null) =>
        (w, u, t) => Http(u.Http.PutAsJsonAsync(path(w, t), body ?? new { }, TestUser.Json));

    private static Func<World, TestUser, long, Task<Outcome>> Post(Func<World, long, string> path, object? body = null) =>
        (w, u, t) => Http(u.PostAsync(path(w, t), body ?? new { }));

    private static Func<World, TestUser, long, Task<Outcome>> Delete(Func<World, long, string> path) => (w, u, t) => Http(u.Http.DeleteAsync(path(w, t)));

    private static Func<World, TestUser, long, Task<Outcome>> PutTo(Func<World, long, string> path, Func<World, object> body) =>
        (w, u, t) => Http(u.Http.PutAsJsonAsync(path(w, t), body(w), TestUser.Json));

    private static Func<World, TestUser, long, Task<Outcome>> Hub(string method, Func<World, long, object?[]> args) =>
        async (w, u, t) =>
        {
            try
            {
                return new(true, null, (await u.Hub.InvokeCoreAsync<JsonElement>(method, args(w, t))).GetRawText());
            }
            catch (HubException ex)
            {
                return new(false, SystemFixture.CodeOf(ex), ex.Message);
            }
        };

    private static Func<World, Task<string>> OwnerReads(Func<World, string> path) => async w => await w.Owner.Http.GetStringAsync(path(w));

    private static readonly Func<World, Task<string>> VaultHistory = OwnerReads(w => w.P($"/channels/{Vault}/messages?afterSeq=0&limit=200"));
    private static readonly Func<World, Task<string>> QuestionPosts = OwnerReads(w => w.T(w.Question, "?limit=200"));
    private static readonly Func<World, Task<string>> IdeaPosts = OwnerReads(w => w.T(w.Idea, "?limit=200"));
    private static readonly Func<World, Task<string>> TheDay = OwnerReads(w => w.P($"/events/{Day}"));
    private static readonly Func<World, Task<string>> Board = OwnerReads(w => w.Q("/questions"));
    private static readonly Func<World, Task<string>> Survey = OwnerReads(w => w.P($"/events/{Day}/survey/results"));
    private static readonly Func<World, Task<string>> Polls = OwnerReads(w => w.Q("/polls"));

    private static async Task<long> OwnerWrites(World w, TestUser _) => (await w.Owner.Send(w.C, Vault, $"{Secret} theirs {Guid.NewGuid():n}")).Seq;

    private static async Task<long> MayWrites(World w, TestUser may) =>
        (await SendPastRateLimit(may, w.C, Vault, $"{Secret} mine {Guid.NewGuid():n}")).Seq;

    /// <summary>
    /// Sends as a member that several rows write as: the channel's own rate limit (5 in 5 s) is waited out, not tested.
    /// The refusal names no time to retry at, so the wait is a second, the limit's window being 5 s.
    /// </summary>
    private static async Task<SendAck> SendPastRateLimit(TestUser user, string community, string channel, string text)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await user.Send(community, channel, text);
            }
            catch (HubException ex) when (SystemFixture.CodeOf(ex) == "rate_limited" && attempt < 10)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private static async Task<long> MayReplies(World w, TestUser may) =>
        (await Responses.Created<ThreadPost>(await may.PostAsync(w.T(w.Question, "/posts"), new { body = $"{Secret} reply {Guid.NewGuid():n}" }))).Seq;

    private static async Task<long> MayGoes(World w, TestUser may)
    {
        (await may.Http.PutAsJsonAsync(w.P($"/events/{Day}/rsvp"), new { })).EnsureSuccessStatusCode();
        return 0;
    }

    private static readonly IReadOnlyList<Row> Table =
    [
        // Chat: a channel one may not view does not exist.
        R("GET channels", Expect.Filtered, Get((w, _) => w.P("/channels")), shows: true),
        R("GET channel messages", Expect.NotFound, Get((w, _) => w.P($"/channels/{Vault}/messages?afterSeq=0")), shows: true),
        R("GET channel permissions/me", Expect.NotFound, Get((w, _) => w.P($"/channels/{Vault}/permissions/me"))),
        R("GET channel leaderboard", Expect.Forbidden, Get((w, _) => w.P($"/channels/{Vault}/leaderboard"))),
        R("hub JoinChannel", Expect.NotFound, Hub("JoinChannel", (w, _) => [w.C, Vault, null]), shows: true),
        R("hub SendMessage", Expect.NotFound, Hub("SendMessage", (w, _) => [w.C, Vault, $"{Secret} hello", Guid.NewGuid().ToString("n")]),
            probe: VaultHistory),
        R("hub SendMessageWithAttachments", Expect.NotFound,
            Hub("SendMessageWithAttachments", (w, _) => [w.C, Vault, $"{Secret} hi", Guid.NewGuid().ToString("n"), Array.Empty<string>()]), probe: VaultHistory),
        R("hub EditMessage", Expect.NotFound, Hub("EditMessage", (w, t) => [w.C, Vault, t, $"{Secret} edited {Guid.NewGuid():n}"]),
            probe: VaultHistory, prepare: MayWrites),
        R("hub RemoveMessage", Expect.NotFound, Hub("RemoveMessage", (w, t) => [w.C, Vault, t, null]), probe: VaultHistory, prepare: MayWrites),
        R("hub React", Expect.NotFound, Hub("React", (w, t) => [w.C, Vault, t, "+1", true]), probe: VaultHistory, prepare: MayWrites),

        // The forum: a category one may not view, and its threads, do not exist; listings and search leave them out.
        R("GET forum/categories", Expect.Filtered, Get((w, _) => w.P("/forum/categories")), shows: true),
        R("GET threads", Expect.Filtered, Get((w, _) => w.P("/threads")), shows: true),
        R("GET threads?category", Expect.Filtered, Get((w, _) => w.P($"/threads?category={Den}")), shows: true),
        R("GET search", Expect.Filtered, Get((w, _) => w.P("/search?q=falcon")), shows: true),
        R("POST threads", Expect.NotFound, Post((w, _) => w.P("/threads"), new { categoryId = Den, kind = "Discussion", title = $"{Secret} new", body = Secret })),
        R("GET thread", Expect.NotFound, Get((w, _) => w.T(w.Question)), shows: true),
        R("GET thread permissions/me", Expect.NotFound, Get((w, _) => w.T(w.Question, "/permissions/me"))),
        R("POST thread posts", Expect.NotFound, Post((w, _) => w.T(w.Question, "/posts"), new { body = $"{Secret} in", replyToSeq = 1 }), probe: QuestionPosts),
        R("PUT post (edit)", Expect.NotFound, Put((w, _) => w.T(w.Question, $"/posts/{w.MayPost.Seq}"), new { body = $"{Secret} changed" }), probe: QuestionPosts),
        R("DELETE post", Expect.NotFound, Delete((w, t) => w.T(w.Question, $"/posts/{t}")), probe: QuestionPosts, prepare: MayReplies),
        R("GET post revisions", Expect.NotFound, Get((w, _) => w.T(w.Question, $"/posts/{w.MayPost.Seq}/revisions")), shows: true),
        R("PUT post reaction", Expect.NotFound, Put((w, _) => w.T(w.Question, "/posts/1/reactions/+1")), probe: QuestionPosts),
        R("DELETE post reaction", Expect.NotFound, Delete((w, _) => w.T(w.Question, "/posts/1/reactions/+1")), probe: QuestionPosts),
        R("PUT accepted", Expect.NotFound, PutTo((w, _) => w.T(w.Question, "/accepted"), w => new { postId = w.MayPost.PostId }), byOwner: true, probe: QuestionPosts),
        R("DELETE accepted", Expect.NotFound, Delete((w, _) => w.T(w.Question, "/accepted")), byOwner: true, probe: QuestionPosts),
        R("GET follow", Expect.NotFound, Get((w, _) => w.T(w.Question, "/follow"))),
        R("PUT follow", Expect.NotFound, Put((w, _) => w.T(w.Question, "/follow")), probe: QuestionPosts),
        R("DELETE follow", Expect.NotFound, Delete((w, _) => w.T(w.Question, "/follow")), probe: QuestionPosts),
        R("PUT vote", Expect.NotFound, Put((w, _) => w.T(w.Idea, "/vote")), probe: IdeaPosts),
        R("DELETE vote", Expect.NotFound, Delete((w, _) => w.T(w.Idea, "/vote")), probe: IdeaPosts),
        R("PUT vote on a question", Expect.NotFound, Put((w, _) => w.T(w.Question, "/vote")), probe: QuestionPosts, mayCode: "invalid"),
        R("PUT status of a question", Expect.NotFound, Put((w, _) => w.T(w.Question, "/status"), new { status = "Planned" }), byOwner: true, probe: QuestionPosts,
            mayCode: "invalid"),
        R("PUT accepted on an idea", Expect.NotFound, Put((w, _) => w.T(w.Idea, "/accepted"), new { postId = "x" }), byOwner: true, probe: IdeaPosts,
            mayCode: "invalid"),
        R("PUT idea status", Expect.NotFound, Put((w, _) => w.T(w.Idea, "/status"), new { status = "Planned", comment = Secret }), byOwner: true, probe: IdeaPosts),
        R("GET attachment link", Expect.NotFound, Get((w, _) => w.P($"/attachments/{w.AttachmentId}/link"))),
        R("hub JoinThread", Expect.NotFound, Hub("JoinThread", (w, _) => [w.C, w.Question, null]), shows: true),

        // The community's other content: members without view are refused, outsiders do not know it exists.
        R("GET community", Expect.Allowed, Get((w, _) => w.P(""))),
        R("GET guidelines", Expect.Allowed, Get((w, _) => w.P("/guidelines"))),
        R("GET member", Expect.Forbidden, Get((w, _) => w.P($"/members/{w.May.UserId}"))),
        R("GET member points", Expect.Forbidden, Get((w, _) => w.P($"/members/{w.May.UserId}/points"))),
        R("GET events", Expect.Forbidden, Get((w, _) => w.P("/events")), shows: true),
        R("GET event", Expect.Forbidden, Get((w, _) => w.P($"/events/{Day}")), shows: true),
        R("GET rsvp", Expect.Forbidden, Get((w, _) => w.P($"/events/{Day}/rsvp"))),
        R("PUT rsvp", Expect.Forbidden, Put((w, _) => w.P($"/events/{Day}/rsvp")), probe: TheDay),
        R("DELETE rsvp", Expect.Forbidden, Delete((w, _) => w.P($"/events/{Day}/rsvp")), probe: TheDay, prepare: MayGoes),
        R("PUT survey", Expect.Forbidden, Put((w, _) => w.P($"/events/{Day}/survey"), new { satisfaction = 5, nps = 9 }), probe: Survey, prepare: MayGoes),
        R("POST checkin", Expect.Forbidden, Post((w, _) => w.P($"/events/{Day}/checkin")), probe: TheDay, prepare: MayGoes),
        R("GET survey results", Expect.Forbidden, Get((w, _) => w.P($"/events/{Day}/survey/results")), byOwner: true),
        R("GET questions", Expect.Forbidden, Get((w, _) => w.Q("/questions")), shows: true),
        R("POST question", Expect.Forbidden, Post((w, _) => w.Q("/questions"), new { text = $"{Secret} asked" }), probe: Board),
        R("PUT question vote", Expect.Forbidden, Put((w, _) => w.Q($"/questions/{w.AskedId}/vote")), probe: Board),
        R("PUT question (moderate)", Expect.Forbidden, Put((w, _) => w.Q($"/questions/{w.AskedId}"), new { pinned = true }), byOwner: true, probe: Board),
        R("GET polls", Expect.Forbidden, Get((w, _) => w.Q("/polls")), shows: true),
        R("POST poll", Expect.Forbidden, Post((w, _) => w.Q("/polls"), new { question = $"{Secret} poll?", options = new[] { "a", "b" }, multiple = false }),
            byOwner: true, probe: Polls),
        R("PUT poll open", Expect.Forbidden, Put((w, _) => w.Q($"/polls/{w.PollId}/open"), new { open = true }), byOwner: true, probe: Polls),
        R("PUT poll vote", Expect.Forbidden, Put((w, _) => w.Q($"/polls/{w.PollId}/vote"), new { choices = new[] { 1 } }), probe: Polls),
        R("hub WatchSession", Expect.Forbidden, Hub("WatchSession", (w, _) => [w.C, Day, "talk"]), shows: true),
        R("GET leaderboard all", Expect.Forbidden, Get((w, _) => w.P("/leaderboards/all"))),
        R("GET leaderboard week", Expect.Forbidden, Get((w, _) => w.P("/leaderboards/week"))),
        R("GET leaderboard weeks", Expect.Forbidden, Get((w, _) => w.P("/leaderboards/weeks"))),
        R("GET leaderboard me", Expect.Forbidden, Get((w, _) => w.P("/leaderboards/all/me"))),
        R("GET gamification rules", Expect.Forbidden, Get((w, _) => w.P("/gamification/rules"))),
        R("GET challenges", Expect.Forbidden, Get((w, _) => w.P("/gamification/challenges"))),
        R("GET campaigns", Expect.Forbidden, Get((w, _) => w.P("/campaigns"))),
        R("GET profile-fields", Expect.Forbidden, Get((w, _) => w.P("/profile-fields"))),

        // The managers' reads: refused to members who do not manage, and nothing at all to outsiders.
        R("GET roles", Expect.Allowed, Get((w, _) => w.P("/roles"))),
        R("GET permissions/me", Expect.Allowed, Get((w, _) => w.P("/permissions/me"))),
        R("GET channel overrides", Expect.Forbidden, Get((w, _) => w.P($"/channels/{Vault}/overrides")), byOwner: true),
        R("GET invites", Expect.Forbidden, Get((w, _) => w.P("/invites")), byOwner: true),
        R("GET join-requests", Expect.Forbidden, Get((w, _) => w.P("/join-requests")), byOwner: true),
        R("GET audit", Expect.Forbidden, Get((w, _) => w.P("/moderation/audit")), byOwner: true),
        R("GET review queue", Expect.Forbidden, Get((w, _) => w.P("/moderation/queue")), byOwner: true),
        R("GET kpis", Expect.Forbidden, Get((w, _) => w.P($"/kpis?from={DateTime.UtcNow:yyyy-MM-dd}&to={DateTime.UtcNow:yyyy-MM-dd}")), byOwner: true),
        R("GET kpis.csv", Expect.Forbidden, Get((w, _) => w.P($"/kpis.csv?from={DateTime.UtcNow:yyyy-MM-dd}&to={DateTime.UtcNow:yyyy-MM-dd}")), byOwner: true),
        R("GET webhooks", Expect.Forbidden, Get((w, _) => w.P("/webhooks")), byOwner: true),
        R("hub WatchKpis", Expect.Forbidden, Hub("WatchKpis", (w, _) => [w.C]), byOwner: true),
        R("hub WatchCommunity", Expect.Allowed, Hub("WatchCommunity", (w, _) => [w.C])),

        // Last: a report may hide the message a while later, which must not fall inside another row's probe.
        R("POST report message", Expect.NotFound, Post((w, t) => w.P($"/channels/{Vault}/messages/{t}/report"), new { reason = "spam" }),
            probe: VaultHistory, prepare: OwnerWrites),
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Each_endpoint_refuses_those_who_may_not_and_returns_or_changes_nothing_for_them(string row)
    {
        var w = await WorldAsync();
        var r = ReadTable.Single(x => x.Name == row);
        var may = r.ByOwner ? w.Owner : w.May;
        var target = r.Prepare is null ? 0 : await r.Prepare(w, may);
        var before = r.Probe is null ? null : await r.Probe(w);

        var outsider = await r.Call(w, w.Outsider, target);
        Check(row, "outsider", r.Outsider ?? Expect.NotFound, outsider);
        if (r.Outsider is null)
        {
            // The outsider learns nothing of the community's existence: a community that does not exist answers the same.
            var ghost = await r.Call(Ghost(w), w.Outsider, target);
            Assert.True((ghost.Ok, ghost.Code) == (outsider.Ok, outsider.Code), $"[{row}] a community that does not exist answers {ghost.Code}: {ghost.Body}");
        }

        Check(row, "member without view", r.Others, await r.Call(w, w.MayNot, target));
        Check(row, "member who lost view while connected", r.Others, await r.Call(w, w.Lost, target));
        if (r.Probe is not null)
        {
            Assert.True(before == await r.Probe(w), $"[{row}] a refused call changed what the owner reads.");
        }

        var allowed = await r.Call(w, may, target);
        for (var attempt = 0; allowed.Code == "rate_limited" && attempt < 10; attempt++)
        {
            // A refused post is not stored: waiting out the channel's rate limit and sending again is the client's way.
            await Task.Delay(TimeSpan.FromSeconds(1));
            allowed = await r.Call(w, may, target);
        }
        if (r.MayCode is not null)
        {
            // The one who may view meets the rule the others never reach (a question takes no votes).
            Assert.True(allowed.Code == r.MayCode, $"[{row}] the one who may: expected {r.MayCode}, got {allowed.Code}: {allowed.Body}");
            return;
        }

        Assert.True(allowed.Ok, $"[{row}] the {(r.ByOwner ? "owner" : "member who may")} was refused: {allowed.Code} {allowed.Body}");
        Assert.True(!r.Shows || allowed.Body.Contains(Secret, StringComparison.Ordinal), $"[{row}] the one who may does not see the content: {allowed.Body}");
    }

    [Fact]
    public void The_table_names_each_row_once()
    {
        var names = ReadTable.Select(r => r.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Live_connections_that_lose_view_are_dropped_within_2s_and_get_nothing_more_not_even_presence()
    {
        var w = await WorldAsync();
        Assert.True(w.ChannelDrop < TimeSpan.FromSeconds(2), $"the channel dropped the member after {w.ChannelDrop}");
        Assert.True(w.ThreadDrop < TimeSpan.FromSeconds(2), $"the thread dropped the member after {w.ThreadDrop}");

        // A category override (a member's own deny) drops a thread's live connection too.
        var joined = await w.Vic.Hub.InvokeAsync<JoinThreadResult>("JoinThread", w.C, w.Question, null);
        Assert.Contains(joined.Posts, p => p.Markdown.Contains(Secret, StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        (await w.Owner.Http.PutAsJsonAsync(w.P($"/categories/{Den}/overrides"),
            new { overrides = new object[] { new { member = w.Vic.UserId, deny = new[] { "view" } } } })).EnsureSuccessStatusCode();
        await w.Vic.WaitUntil(u => u.ThreadEvents.OfType<ThreadAccessLostEvent>().Any(), TimeSpan.FromSeconds(2), "the thread's access lost");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the category override dropped the thread's connection after {clock.Elapsed}");
        Assert.Equal(new ThreadAccessLostEvent(w.C, w.Question), w.Vic.ThreadEvents.OfType<ThreadAccessLostEvent>().Single());

        // What is said afterwards reaches the one who may, live, and none of those dropped; presence counts viewers only.
        var said = $"{Secret} after {Guid.NewGuid():n}";
        await w.Owner.Send(w.C, Vault, said);
        var replied = await Responses.Created<ThreadPost>(await w.Owner.PostAsync(w.T(w.Question, "/posts"), new { body = said }));
        await w.Owner.JoinChannel(w.C, Vault);
        await w.May.WaitUntil(u => u.Received.Any(m => m.Text == said) && u.ThreadEvents.OfType<ThreadPost>().Any(p => p.Seq == replied.Seq)
            && u.PresenceEvents.LastOrDefault(p => p.ChannelId == Vault)?.Online == 2, what: "the message, the reply and the owner's presence");
        // Nothing more can be awaited for the dropped: their copy, had they one, would come with the group send that brought
        // the others theirs; half a second covers sockets of the same send reaching the test's clients at different moments.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        foreach (var dropped in new[] { w.Lost, w.Vic })
        {
            Assert.DoesNotContain(dropped.Received, m => m.Text == said);
            Assert.DoesNotContain(dropped.ThreadEvents.OfType<ThreadPost>(), p => p.Seq == replied.Seq);
        }

        Assert.Equal(w.LostPresenceAtDrop, w.Lost.PresenceEvents.Count(p => p.CommunityId == w.C));
        Assert.DoesNotContain(w.MayNot.PresenceEvents, p => p.CommunityId == w.C);
        Assert.DoesNotContain(w.Outsider.PresenceEvents, p => p.CommunityId == w.C);
    }

    private static void Check(string row, string who, Expect expected, Outcome outcome)
    {
        var what = $"[{row}] {who}: expected {expected}, got {(outcome.Ok ? "OK" : outcome.Code)}: {outcome.Body}";
        switch (expected.Kind)
        {
            case "refused":
                Assert.False(outcome.Ok, what);
                Assert.True(expected.Code == outcome.Code, what);
                break;
            case "filtered":
                Assert.True(outcome.Ok, what);
                Assert.DoesNotContain("zqx", outcome.Body, StringComparison.Ordinal);
                break;
            default:
                Assert.True(outcome.Ok, what);
                break;
        }

        Assert.False(outcome.Body.Contains(Secret, StringComparison.OrdinalIgnoreCase), $"[{row}] {who} was given the content: {outcome.Body}");
    }

    private static async Task<Outcome> Http(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        var code = response.IsSuccessStatusCode || body.Length == 0 ? null
            : JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        return new(response.IsSuccessStatusCode, code, body);
    }

    private async Task<World> WorldAsync()
    {
        await Building.WaitAsync();
        try
        {
            return _world ??= await Build(fixture.Url);
        }
        finally
        {
            Building.Release();
        }
    }

    /// <summary>
    /// The private community, its content, and the users; then the member "lost", joined to the channel and a thread
    /// live, loses the crew role: the drops are timed here, once, and every row runs after them.
    /// </summary>
    private static async Task<World> Build(Uri url)
    {
        // Not disposed: the rows share them for the collection's life, and the system's shutdown closes their connections.
        var owner = await TestUser.ConnectAsync(url, "mx-olga");
        var may = await TestUser.ConnectAsync(url, "mx-mia");
        var mayNot = await TestUser.ConnectAsync(url, "mx-nora");
        var lost = await TestUser.ConnectAsync(url, "mx-lou");
        var outsider = await TestUser.ConnectAsync(url, "mx-otto");
        var vic = await TestUser.ConnectAsync(url, "mx-vic");
        var c = $"mx-{Guid.NewGuid():n}"[..20];
        var p = $"/api/communities/{c}";
        (await owner.PostAsync("/api/communities", new { id = c, name = "Club", visibility = "private" })).EnsureSuccessStatusCode();
        (await owner.PostAsync($"{p}/channels", new { id = Vault, name = $"{Secret} vault" })).EnsureSuccessStatusCode();
        (await owner.PostAsync($"{p}/forum/categories", new { id = Den, name = $"{Secret} den", description = "" })).EnsureSuccessStatusCode();
        (await owner.Http.PutAsJsonAsync($"{p}/roles/crew", new { name = "Crew", position = 10, permissions = new[] { "view", "send", "react", "attach", "create_threads", "reply" } }))
            .EnsureSuccessStatusCode();
        (await owner.Http.PutAsJsonAsync($"{p}/roles/everyone", new { permissions = Array.Empty<string>() })).EnsureSuccessStatusCode();
        var invite = await (await owner.PostAsync($"{p}/invites", new { })).Created<Access.Invite>();
        foreach (var member in new[] { may, mayNot, lost, vic })
        {
            (await member.PostAsync($"{p}/members?invite={invite.Code}")).EnsureSuccessStatusCode();
        }

        foreach (var crew in new[] { may, lost, vic })
        {
            (await owner.Http.PutAsJsonAsync($"{p}/members/{crew.UserId}/roles", new { roles = new[] { "crew" } })).EnsureSuccessStatusCode();
        }

        // Chat, forum (an attachment included), an event with a session's questions and a poll.
        await owner.Send(c, Vault, $"{Secret} plan");
        var mayMessage = (await may.Send(c, Vault, $"{Secret} mine")).Seq;
        var question = await Responses.Created<ThreadSummary>(await owner.PostAsync($"{p}/threads",
            new { categoryId = Den, kind = "Question", title = $"{Secret} question", body = $"{Secret} body, falcon" }));
        var idea = await Responses.Created<ThreadSummary>(await owner.PostAsync($"{p}/threads",
            new { categoryId = Den, kind = "Idea", title = $"{Secret} idea", body = $"{Secret} idea body" }));
        var mayPost = await Responses.Created<ThreadPost>(await may.PostAsync($"{p}/threads/{question.ThreadId}/posts", new { body = $"{Secret} answer" }));
        (await may.Http.PutAsJsonAsync($"{p}/threads/{question.ThreadId}/posts/{mayPost.Seq}", new { body = $"{Secret} answer, revised" })).EnsureSuccessStatusCode();
        var file = await Responses.Created<AttachmentInfo>(await AttachmentTests.Upload(may, c, AttachmentTests.Png, "plover.png"));
        (await may.PostAsync($"{p}/threads/{question.ThreadId}/posts", new { body = $"{Secret} chart", attachmentIds = new[] { file.Id } })).EnsureSuccessStatusCode();
        await Responses.Eventually(async () => (await may.Http.GetStringAsync($"{p}/search?q=falcon")).Contains(question.ThreadId, StringComparison.Ordinal), "the forum indexed");

        var now = DateTimeOffset.UtcNow;
        (await owner.PostAsync($"{p}/events", new
        {
            id = Day, title = $"{Secret} summit", description = Secret, startsAt = now.AddHours(-1), endsAt = now.AddHours(3), capacity = 10,
            sessions = new[] { new { id = "talk", title = $"{Secret} talk", track = "Main", speakers = new[] { "Olga" }, startsAt = now.AddMinutes(-30), endsAt = now.AddHours(1) } },
        })).EnsureSuccessStatusCode();
        var asked = await Responses.Created<Question>(await owner.PostAsync($"{p}/events/{Day}/sessions/talk/questions", new { text = $"{Secret} asked" }));
        var poll = await Responses.Created<Poll>(await owner.PostAsync($"{p}/events/{Day}/sessions/talk/polls",
            new { question = $"{Secret} poll?", options = new[] { "a", "b" }, multiple = false }));
        // A campaign that starts tomorrow: nothing of it (its start's notices) happens while the rows run.
        (await owner.PostAsync($"{p}/campaigns", new { id = Drive, title = $"{Secret} drive", startsAt = now.AddDays(1), endsAt = now.AddDays(2), multiplier = 2.0 }))
            .EnsureSuccessStatusCode();

        // Live: the one who may and the one about to lose view, in the channel and the question thread.
        foreach (var listener in new[] { may, lost })
        {
            await listener.JoinChannel(c, Vault);
            await listener.Hub.InvokeAsync<JoinThreadResult>("JoinThread", c, question.ThreadId, null);
        }

        await lost.WaitUntil(u => u.PresenceEvents.Any(e => e.CommunityId == c && e.Online == 2), what: "both listeners' presence");
        var clock = Stopwatch.StartNew();
        (await owner.Http.PutAsJsonAsync($"{p}/members/{lost.UserId}/roles", new { roles = Array.Empty<string>() })).EnsureSuccessStatusCode();
        TimeSpan? channelDrop = null, threadDrop = null;
        await lost.WaitUntil(u =>
        {
            channelDrop ??= u.AccessLost.Any(a => a.CommunityId == c && a.ChannelId == Vault) ? clock.Elapsed : null;
            threadDrop ??= u.ThreadEvents.OfType<ThreadAccessLostEvent>().Any(a => a.CommunityId == c) ? clock.Elapsed : null;
            return channelDrop is not null && threadDrop is not null;
        }, TimeSpan.FromSeconds(10), "the channel's and the thread's access lost");

        return new World
        {
            C = c, Owner = owner, May = may, MayNot = mayNot, Lost = lost, Outsider = outsider, Vic = vic,
            Question = question.ThreadId, Idea = idea.ThreadId, MayPost = mayPost, MayMessage = mayMessage, AttachmentId = file.Id,
            AskedId = asked.Id, PollId = poll.Id, ChannelDrop = channelDrop!.Value, ThreadDrop = threadDrop!.Value,
            LostPresenceAtDrop = lost.PresenceEvents.Count(e => e.CommunityId == c),
        };
    }
}
