using System.Net.Http.Json;
using System.Text.Json;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// Issue 27's matrix, third part. The reads the first table lacked (<see cref="LaterReads"/>, run by the first table's
/// test), and each member's own data (<see cref="Selves"/>): Sue, a member of the first half's private community with
/// the crew role, may read and change hers; Vic, another member who may view, may not act on hers (he is refused, or
/// he acts on his own and hers stays as it was); the members without view (Nora, and Lou who lost it while connected)
/// likewise; and an outsider gets <c>not_found</c> wherever the path names the community. Routes under <c>/api/me</c>
/// name no community and no other user: there everyone acts on their own data only, and what an outsider gets never
/// names the private community.
/// </summary>
public sealed partial class AccessMatrixTests
{
    private static readonly SemaphoreSlim BuildingSelves = new(1, 1);
    private static Selves? _selves;

    /// <summary>The first table's rows and the reads added after it: the rows of <see cref="Each_endpoint_refuses_those_who_may_not_and_returns_or_changes_nothing_for_them"/>.</summary>
    private static IReadOnlyList<Row> ReadTable => [.. Table, .. LaterReads];

    private static readonly IReadOnlyList<Row> LaterReads =
    [
        R("GET forum/settings", Expect.Allowed, Get((w, _) => w.P("/forum/settings"))),
        R("GET campaign", Expect.Forbidden, Get((w, _) => w.P($"/campaigns/{Drive}")), shows: true),
        R("GET campaign leaderboard", Expect.Forbidden, Get((w, _) => w.P($"/campaigns/{Drive}/leaderboard"))),
        R("GET campaign kpis", Expect.Forbidden, Get((w, _) => w.P($"/campaigns/{Drive}/kpis")), byOwner: true),
        R("GET category overrides", Expect.Forbidden, Get((w, _) => w.P($"/categories/{Den}/overrides")), byOwner: true),
        R("GET retention", Expect.Allowed, Get((w, _) => w.P("/retention"))),
        R("GET attachment bytes (through its link)", Expect.NotFound, async (w, u, _) =>
        {
            // The bytes are reached through a link only: whoever may not have the link has no token to ask with.
            var link = await Http(u.Http.GetAsync(w.P($"/attachments/{w.AttachmentId}/link")));
            return link.Ok ? await Http(u.Http.GetAsync(JsonDocument.Parse(link.Body).RootElement.GetProperty("url").GetString())) : link;
        }),
        // A private community takes no requests (docs/api.md: not_found), from its members either: nobody learns more than an outsider.
        R("POST join-request", Expect.NotFound, Post((w, _) => w.P("/join-requests")), mayCode: "not_found", probe: w => Answer(w.Owner, w.P("/join-requests"))),
        // Joining again returns the same membership; joining without an invite is for a private community's non-members not_found.
        R("POST members (join without an invite)", Expect.Allowed, Post((w, _) => w.P("/members")), probe: w => Answer(w.Owner, w.P($"/members/{w.Outsider.UserId}"))),
        // Ids are unique across communities, so a taken one is already_exists to anyone (docs/api.md, Communities): the
        // route names no community, and the refusal carries nothing of it.
        R("POST communities (a taken id)", new Expect("refused", "already_exists"), (w, u, _) => Http(u.PostAsync("/api/communities", new { id = w.C, name = "Mine" })),
            mayCode: "already_exists", outsider: new Expect("refused", "already_exists"), probe: w => Answer(w.Owner, w.P(""))),
    ];

    /// <summary>Who a self row is run with: the usual cast, a new member as the subject, or new users throughout (their accounts go).</summary>
    private enum Cast
    {
        Usual,
        FreshSubject,
        AllFresh,
    }

    /// <summary>
    /// A route of a member's own data. <see cref="Call"/> runs as the caller about the subject (a path with a user id
    /// names the subject; "me" is the caller); <see cref="Probe"/> reads the subject's data. <see cref="Other"/> is
    /// what another member who may view gets, <see cref="Blind"/> what members without view get.
    /// </summary>
    private sealed record SelfRow(
        string Name,
        Func<World, TestUser, TestUser, Task<Outcome>> Call,
        Expect Other,
        Expect Blind,
        Expect Outsider,
        Func<World, TestUser, Task<string>>? Probe,
        bool Shows,
        string? SelfCode,
        Cast Cast);

    private sealed class Selves
    {
        public required TestUser Sue { get; init; }

        public required string SanctionId { get; init; }

        public required string Invite { get; init; }

        public required Uri Url { get; init; }
    }

    public static TheoryData<string> SelfRows
    {
        get
        {
            var rows = new TheoryData<string>();
            foreach (var row in SelfTable)
            {
                rows.Add(row.Name);
            }

            return rows;
        }
    }

    private static SelfRow S(string name, Func<World, TestUser, TestUser, Task<Outcome>> call, Expect other, Expect blind, Expect? outsider = null,
        Func<World, TestUser, Task<string>>? probe = null, bool shows = false, string? selfCode = null, Cast cast = Cast.Usual) =>
        new(name, call, other, blind, outsider ?? Expect.NotFound, probe, shows, selfCode, cast);

    /// <summary>A call as <c>u</c> to the path made of the world, the caller and the subject.</summary>
    private static Func<World, TestUser, TestUser, Task<Outcome>> As(HttpMethod method, Func<World, TestUser, TestUser, string> path, object? body = null) =>
        async (w, u, s) =>
        {
            using var request = new HttpRequestMessage(method, path(w, u, s)) { Content = body is null ? null : JsonContent.Create(body, options: TestUser.Json) };
            return await Http(u.Http.SendAsync(request));
        };

    private static Func<World, TestUser, TestUser, Task<Outcome>> Mine(HttpMethod method, string path, object? body = null) => As(method, (_, _, _) => path, body);

    private static Func<World, TestUser, TestUser, Task<Outcome>> MineIn(HttpMethod method, string rest, object? body = null) => As(method, (w, _, _) => w.P(rest), body);

    /// <summary>A hub method that answers nothing and acts on the caller's own connection only.</summary>
    private static Func<World, TestUser, TestUser, Task<Outcome>> HubLeaves(string method, Func<World, object?[]> args) =>
        async (w, u, _) =>
        {
            await u.Hub.InvokeCoreAsync(method, args(w));
            return new(true, null, "");
        };

    /// <summary>The status and body of a GET (a refusal is an answer too: a probe compares whatever comes back, but a refusal's trace id).</summary>
    private static async Task<string> Answer(TestUser reader, string path)
    {
        using var response = await reader.Http.GetAsync(path);
        return $"{(int)response.StatusCode} {TraceId().Replace(await response.Content.ReadAsStringAsync(), "")}";
    }

    [System.Text.RegularExpressions.GeneratedRegex("\"traceId\":\"[^\"]*\"")]
    private static partial System.Text.RegularExpressions.Regex TraceId();

    private static Func<World, TestUser, Task<string>> SubjectReads(Func<World, string> path) => (w, s) => Answer(s, path(w));

    private static Func<World, TestUser, Task<string>> OwnerReadsOf(Func<World, TestUser, string> path) => (w, s) => Answer(w.Owner, path(w, s));

    private static readonly Func<World, TestUser, Task<string>> SubjectsRecord = OwnerReadsOf((w, s) => w.P($"/members/{s.UserId}"));
    private static readonly Func<World, TestUser, Task<string>> SubjectsInbox = SubjectReads(_ => "/api/me/notifications");

    private static readonly IReadOnlyList<SelfRow> SelfTable =
    [
        // In the community: consent, profile, points settings, sanctions and appeals, export and erasure.
        S("GET consent", MineIn(HttpMethod.Get, "/members/me/consent"), Expect.Allowed, Expect.Allowed),
        S("PUT consent", MineIn(HttpMethod.Put, "/members/me/consent", new { guidelinesVersion = 0, marketing = true }), Expect.Allowed, Expect.Allowed,
            probe: SubjectReads(w => w.P("/members/me/consent"))),
        S("PUT profile", MineIn(HttpMethod.Put, "/members/me/profile", new Dictionary<string, string[]> { ["team"] = ["blue"] }), Expect.Allowed, Expect.Forbidden,
            probe: SubjectsRecord),
        S("PUT me/gamification", MineIn(HttpMethod.Put, "/me/gamification", new { timeZone = "Europe/Berlin" }), Expect.Allowed, Expect.Forbidden,
            probe: OwnerReadsOf((w, s) => w.P($"/members/{s.UserId}/points"))),
        S("GET me/sanctions", MineIn(HttpMethod.Get, "/me/sanctions"), Expect.Allowed, Expect.Allowed, shows: true),
        S("POST sanction appeal", As(HttpMethod.Post, (w, _, _) => w.P($"/me/sanctions/{_selves!.SanctionId}/appeal"), new { text = $"{Secret} appeal" }),
            Expect.NotFound, Expect.NotFound, probe: SubjectReads(w => w.P("/me/sanctions"))),
        // Another's export is refused to anyone (admins too), with the same answer whatever the community: it says nothing of one.
        S("GET member export", As(HttpMethod.Get, (w, _, s) => w.P($"/members/{s.UserId}/export")), Expect.Forbidden, Expect.Forbidden, outsider: Expect.Forbidden,
            shows: true),
        S("GET member export (own id)", As(HttpMethod.Get, (w, u, _) => w.P($"/members/{u.UserId}/export")), Expect.Allowed, Expect.Allowed, shows: true),
        // No erasure of Sue is under way: she is told so, the others are refused before that is looked at.
        S("GET erasure status", As(HttpMethod.Get, (w, _, s) => w.P($"/members/{s.UserId}/erasure")), Expect.Forbidden, Expect.Forbidden, selfCode: "not_found"),
        S("DELETE member (own erasure)", As(HttpMethod.Delete, (w, _, s) => w.P($"/members/{s.UserId}")), Expect.Forbidden, Expect.Forbidden,
            probe: SubjectsRecord, cast: Cast.FreshSubject),

        // Leaving and unwatching act on the caller's connection only, and answer the same for any id: nothing to refuse.
        S("hub LeaveChannel", HubLeaves("LeaveChannel", w => [w.C, Vault]), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed),
        S("hub LeaveThread", HubLeaves("LeaveThread", w => [w.C, w.Question]), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed),
        S("hub UnwatchSession", HubLeaves("UnwatchSession", w => [w.C, Day, "talk"]), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed),
        S("hub UnwatchKpis", HubLeaves("UnwatchKpis", w => [w.C]), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed),
        S("hub UnwatchCommunity", HubLeaves("UnwatchCommunity", w => [w.C]), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed),

        // The account's own: every caller gets theirs, never Sue's.
        S("GET auth/me", Mine(HttpMethod.Get, "/api/auth/me"), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed),
        S("GET me/communities", Mine(HttpMethod.Get, "/api/me/communities"), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed),
        S("GET me/export", Mine(HttpMethod.Get, "/api/me/export"), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed, shows: true),
        S("GET notifications", Mine(HttpMethod.Get, "/api/me/notifications"), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed, shows: true),
        S("POST notifications read", Mine(HttpMethod.Post, "/api/me/notifications/read", new { upTo = 1 }), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed,
            probe: SubjectsInbox),
        S("POST notifications read-all", Mine(HttpMethod.Post, "/api/me/notifications/read-all"), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed,
            probe: SubjectsInbox),
        S("GET notification settings", Mine(HttpMethod.Get, "/api/me/notifications/settings"), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed),
        S("PUT notification settings", Mine(HttpMethod.Put, "/api/me/notifications/settings", new { muted = new[] { "level_up" } }), Expect.Allowed, Expect.Allowed,
            outsider: Expect.Allowed, probe: SubjectReads(_ => "/api/me/notifications/settings")),
        S("DELETE me (account erasure)", Mine(HttpMethod.Delete, "/api/me"), Expect.Allowed, Expect.Allowed, outsider: Expect.Allowed, probe: SubjectsRecord,
            cast: Cast.AllFresh),
    ];

    [Theory]
    [MemberData(nameof(SelfRows))]
    [Trait("Area", "Roles")]
    public async Task Each_member_reads_and_changes_their_own_data_only(string row)
    {
        var w = await WorldAsync();
        var selves = await SelvesAsync(w);
        var r = SelfTable.Single(x => x.Name == row);
        var (subject, other, blind, outsider) = r.Cast switch
        {
            Cast.Usual => (selves.Sue, w.Vic, new[] { ("member without view", w.MayNot), ("member who lost view while connected", w.Lost) }, w.Outsider),
            Cast.FreshSubject => (await Fresh(w, selves, "crew"), w.Vic, [("member without view", w.MayNot), ("member who lost view while connected", w.Lost)], w.Outsider),
            _ => (await Fresh(w, selves, "crew"), await Fresh(w, selves, "crew"), [("member without view", await Fresh(w, selves, null))],
                await TestUser.ConnectAsync(selves.Url, $"mx-o{Guid.NewGuid():n}"[..16], connectHub: false)),
        };
        var before = r.Probe is null ? null : await r.Probe(w, subject);

        var others = new List<(string Who, TestUser User, Expect Expected)> { ("outsider", outsider, r.Outsider), ("another member", other, r.Other) };
        others.AddRange(blind.Select(b => (b.Item1, b.Item2, r.Blind)));
        foreach (var (who, user, expected) in others)
        {
            var outcome = await r.Call(w, user, subject);
            Check(row, who, expected, outcome);
            if (user == outsider)
            {
                // Nor does the outsider learn that the community exists: one that does not answers the same.
                var ghost = await r.Call(Ghost(w), user, subject);
                Assert.True((ghost.Ok, ghost.Code) == (outcome.Ok, outcome.Code), $"[{row}] a community that does not exist answers {ghost.Code}: {ghost.Body}");
            }

            // What they are given is their own: nothing names Sue, and nothing an outsider is given names the private community.
            Assert.True(!outcome.Ok || !outcome.Body.Contains(subject.UserId, StringComparison.Ordinal), $"[{row}] {who} was given the subject's data: {outcome.Body}");
            Assert.True(!outcome.Ok || user != outsider || !outcome.Body.Contains(w.C, StringComparison.Ordinal), $"[{row}] the outsider was shown the community: {outcome.Body}");
        }

        if (r.Probe is not null)
        {
            var after = await r.Probe(w, subject);
            Assert.True(before == after, $"[{row}] a call by another changed the subject's data: before {before}, after {after}");
        }

        var mine = await r.Call(w, subject, subject);
        if (r.SelfCode is not null)
        {
            Assert.True(mine.Code == r.SelfCode, $"[{row}] the member themselves: expected {r.SelfCode}, got {mine.Code}: {mine.Body}");
            return;
        }

        Assert.True(mine.Ok, $"[{row}] the member themselves was refused: {mine.Code} {mine.Body}");
        Assert.True(!r.Shows || mine.Body.Contains(Secret, StringComparison.Ordinal), $"[{row}] the member does not see their own data: {mine.Body}");
    }

    /// <summary>The world, but naming a community that does not exist.</summary>
    private static World Ghost(World w) => w with { C = $"mx-ghost-{Guid.NewGuid():n}"[..20] };

    [Fact]
    [Trait("Area", "Roles")]
    public void The_self_table_names_each_row_once()
    {
        var names = SelfTable.Select(r => r.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    /// <summary>A new member of the world's community (with <paramref name="role"/>, or none: no view).</summary>
    private static async Task<TestUser> Fresh(World w, Selves selves, string? role)
    {
        var user = await TestUser.ConnectAsync(selves.Url, $"mx-f{Guid.NewGuid():n}"[..16], connectHub: false);
        (await user.PostAsync(w.P($"/members?invite={selves.Invite}"))).EnsureSuccessStatusCode();
        if (role is not null)
        {
            (await w.Owner.Http.PutAsJsonAsync(w.P($"/members/{user.UserId}/roles"), new { roles = new[] { role } })).EnsureSuccessStatusCode();
        }

        return user;
    }

    private async Task<Selves> SelvesAsync(World w)
    {
        await BuildingSelves.WaitAsync();
        try
        {
            return _selves ??= await BuildSelves(w, fixture.Url);
        }
        finally
        {
            BuildingSelves.Release();
        }
    }

    /// <summary>Sue joins the world's community with the crew role, sets a profile value, and is warned (her sanction, and its notice).</summary>
    private static async Task<Selves> BuildSelves(World w, Uri url)
    {
        // Not disposed: the rows share her for the collection's life, and the system's shutdown closes her connection.
        var sue = await TestUser.ConnectAsync(url, "mx-sue");
        var invite = (await (await w.Owner.PostAsync(w.P("/invites"), new { })).Created<Access.Invite>()).Code;
        (await sue.PostAsync(w.P($"/members?invite={invite}"))).EnsureSuccessStatusCode();
        (await w.Owner.Http.PutAsJsonAsync(w.P($"/members/{sue.UserId}/roles"), new { roles = new[] { "crew" } })).EnsureSuccessStatusCode();
        (await w.Owner.Http.PutAsJsonAsync(w.P("/profile-fields"), new[] { new { id = "team", label = "Team", values = new[] { "red", "blue" }, multiple = false } }))
            .EnsureSuccessStatusCode();
        (await sue.Http.PutAsJsonAsync(w.P("/members/me/profile"), new Dictionary<string, string[]> { ["team"] = ["red"] })).EnsureSuccessStatusCode();
        (await w.Owner.PostAsync(w.P($"/moderation/members/{sue.UserId}/warn"), new { reason = $"{Secret} warned" })).EnsureSuccessStatusCode();
        var sanctionId = JsonDocument.Parse(await sue.Http.GetStringAsync(w.P("/me/sanctions"))).RootElement[0].GetProperty("id").GetString()!;
        // The warning's notice is written a moment after the warning: the inbox rows compare her inbox before and after.
        await Responses.Eventually(async () => (await sue.Http.GetStringAsync("/api/me/notifications")).Contains(Secret, StringComparison.Ordinal), "Sue's notice");
        return new Selves { Sue = sue, SanctionId = sanctionId, Invite = invite, Url = url };
    }
}
