using System.Net.Http.Json;
using System.Text.Json;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// Issue 27's matrix, second half: the managers' own writes (<see cref="Writes"/>), one row each, in a private community
/// of their own (the "desk", and a restricted "lobby" for join requests), so that what the managers change never
/// touches the first half's community. A row's write is made by the member who holds the permission it needs (the
/// "steward", a custom role with the managers' permissions but not admin) or, for the settings that stay with admins,
/// the owner; it is refused to a plain member (<c>forbidden</c>), to the "former" steward whose role was taken away
/// while connected (<c>forbidden</c>), to the steward on admins' rows (<c>forbidden</c>), and to an outsider
/// (<c>not_found</c>: the community is private). A refused write changes nothing: the row's probe, and the audit log,
/// read the same before and after.
/// </summary>
public sealed partial class AccessMatrixTests
{
    private static readonly SemaphoreSlim BuildingDesk = new(1, 1);
    private static Desk? _desk;

    public static TheoryData<string> WriteRows
    {
        get
        {
            var rows = new TheoryData<string>();
            foreach (var row in Writes)
            {
                rows.Add(row.Name);
            }

            return rows;
        }
    }

    /// <summary>Who holds what a row needs: the steward (a custom role's permission), the owner (admins' settings), or any member.</summary>
    private enum Holder
    {
        Steward,
        Owner,
        Member,
    }

    private sealed record WriteRow(
        string Name,
        Holder Holder,
        Func<Desk, TestUser, string, Task<Outcome>> Call,
        Func<Desk, string, Task<string>>? Probe,
        Func<Desk, TestUser, Task<string>>? Prepare,
        Func<Desk, Task>? Undo,
        bool InLobby,
        string? Until);

    private sealed class Desk
    {
        public required string C { get; init; }

        public required string Lobby { get; init; }

        public required TestUser Owner { get; init; }

        public required TestUser Steward { get; init; }

        public required TestUser Member { get; init; }

        public required TestUser Former { get; init; }

        public required TestUser Outsider { get; init; }

        public required TestUser Vera { get; init; }

        public required TestUser Rex { get; init; }

        public required TestUser Muted { get; init; }

        public required string Invite { get; init; }

        public required string Topic { get; init; }

        public required Uri Url { get; init; }

        public string P(string rest) => $"/api/communities/{C}{rest}";

        public string L(string rest) => $"/api/communities/{Lobby}{rest}";

        public string Mod(string rest) => P($"/moderation{rest}");

        public IEnumerable<TestUser> Members => [Owner, Steward, Member, Former, Vera, Rex, Muted];
    }

    private const string Talk = "zqx-talk";
    private const string Spare = "zqx-spare";
    private const string Shelf = "zqx-shelf";
    private const string Badge = "zqx-badge";
    private const string Made = "zqx-made";

    private static readonly string[] EveryoneDefaults = ["view", "send", "react", "attach", "create_threads", "reply"];

    private static WriteRow W(string name, Holder holder, Func<Desk, TestUser, string, Task<Outcome>> call, Func<Desk, string, Task<string>>? probe = null,
        Func<Desk, TestUser, Task<string>>? prepare = null, Func<Desk, Task>? undo = null, bool inLobby = false, string? until = null) =>
        new(name, holder, call, probe, prepare, undo, inLobby, until);

    private static Func<Desk, TestUser, string, Task<Outcome>> DGet(Func<Desk, string, string> path) => (d, u, t) => Http(u.Http.GetAsync(path(d, t)));

    private static Func<Desk, TestUser, string, Task<Outcome>> DPut(Func<Desk, string, string> path, Func<Desk, object> body) =>
        (d, u, t) => Http(u.Http.PutAsJsonAsync(path(d, t), body(d), TestUser.Json));

    private static Func<Desk, TestUser, string, Task<Outcome>> DPost(Func<Desk, string, string> path, object? body = null) =>
        (d, u, t) => Http(u.PostAsync(path(d, t), body ?? new { }));

    private static Func<Desk, TestUser, string, Task<Outcome>> DDelete(Func<Desk, string, string> path) => (d, u, t) => Http(u.Http.DeleteAsync(path(d, t)));

    private static Func<Desk, TestUser, string, Task<Outcome>> Upload() =>
        async (d, u, _) => await Http(AttachmentTests.Upload(u, d.C, AttachmentTests.Png, "zqx.png"));

    private static Func<Desk, string, Task<string>> Reads(Func<Desk, string> path) => ReadsOf((d, _) => path(d));

    /// <summary>What the owner reads (a refusal's answer too: the probe compares whatever comes back).</summary>
    private static Func<Desk, string, Task<string>> ReadsOf(Func<Desk, string, string> path) => (d, t) => Answer(d.Owner, path(d, t));

    private static readonly Func<Desk, string, Task<string>> Roles = Reads(d => d.P("/roles"));
    private static readonly Func<Desk, string, Task<string>> VeraRecord = Reads(d => d.P($"/members/{d.Vera.UserId}"));
    private static readonly Func<Desk, string, Task<string>> VeraSanctions = Reads(d => d.Mod($"/members/{d.Vera.UserId}/sanctions"));
    private static readonly Func<Desk, string, Task<string>> TalkHistory = Reads(d => d.P($"/channels/{Talk}/messages?afterSeq=0&limit=200"));
    private static readonly Func<Desk, string, Task<string>> Invites = Reads(d => d.P("/invites"));
    private static readonly Func<Desk, string, Task<string>> Hooks = Reads(d => d.P("/webhooks"));
    private static readonly Func<Desk, string, Task<string>> Tokens = Reads(d => d.P("/tokens"));
    private static readonly Func<Desk, string, Task<string>> Queue = Reads(d => d.Mod("/queue"));
    private static readonly Func<Desk, string, Task<string>> TopicPosts = async (d, _) =>
        JsonDocument.Parse(await d.Owner.Http.GetStringAsync(d.P($"/threads/{d.Topic}?limit=200"))).RootElement.GetProperty("posts").GetRawText();
    private static readonly Func<Desk, string, Task<string>> Requests = Reads(d => d.L("/join-requests"));

    private static readonly object Hook = new { url = "http://127.0.0.1:9/zqx", events = new[] { "answer.accepted" } };

    private static Func<Desk, Task> AsOwner(Func<Desk, string> path, Func<Desk, object>? body = null, HttpMethod? method = null) =>
        async d =>
        {
            using var request = new HttpRequestMessage(method ?? HttpMethod.Put, path(d)) { Content = JsonContent.Create(body?.Invoke(d) ?? new { }, options: TestUser.Json) };
            (await d.Owner.Http.SendAsync(request)).EnsureSuccessStatusCode();
        };

    private static async Task<string> IdOf(Task<HttpResponseMessage> call, params string[] path)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"preparing: {(int)response.StatusCode} {body}");
        var at = JsonDocument.Parse(body).RootElement;
        foreach (var name in path)
        {
            at = at.GetProperty(name);
        }

        return at.ToString();
    }

    private static async Task<string> Done(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(response.IsSuccessStatusCode, $"preparing: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return "";
    }

    private static Task<string> NewRole(Desk d, TestUser steward)
    {
        var id = $"zqx-r{Guid.NewGuid():n}"[..12];
        return IdOf(steward.Http.PutAsJsonAsync(d.P($"/roles/{id}"), new { name = "Temp", position = 100, permissions = new[] { "view" } }), "id");
    }

    // Several rows need a message of Rex's.
    private static async Task<string> RexWrites(Desk d, TestUser _) =>
        (await SendPastRateLimit(d.Rex, d.C, Talk, $"zqx words {Guid.NewGuid():n}")).Seq.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> RexWritesAndVeraReports(Desk d, TestUser may)
    {
        var seq = await RexWrites(d, may);
        return await IdOf(d.Vera.PostAsync(d.P($"/channels/{Talk}/messages/{seq}/report"), new { reason = "zqx" }), "id");
    }

    private static async Task<string> NewJoinRequest(Desk d, TestUser _)
    {
        var asker = await TestUser.ConnectAsync(d.Url, $"mw-ask-{Guid.NewGuid():n}"[..16], connectHub: false);
        (await asker.PostAsync(d.L("/join-requests"))).EnsureSuccessStatusCode();
        return asker.UserId;
    }

    private static async Task<string> NewMember(Desk d, TestUser _)
    {
        var joiner = await TestUser.ConnectAsync(d.Url, $"mw-new-{Guid.NewGuid():n}"[..16], connectHub: false);
        var version = JsonDocument.Parse(await d.Owner.Http.GetStringAsync(d.P("/guidelines"))).RootElement.GetProperty("version").GetInt32();
        (await joiner.PostAsync(d.P($"/members?invite={d.Invite}"), version == 0 ? null : new { guidelinesVersion = version, marketing = false })).EnsureSuccessStatusCode();
        return joiner.UserId;
    }

    /// <summary>After new guidelines every member accepts them, so that the rows after still send.</summary>
    private static async Task EveryoneAccepts(Desk d)
    {
        var version = JsonDocument.Parse(await d.Owner.Http.GetStringAsync(d.P("/guidelines"))).RootElement.GetProperty("version").GetInt32();
        foreach (var member in d.Members)
        {
            (await member.Http.PutAsJsonAsync(d.P("/members/me/consent"), new { guidelinesVersion = version, marketing = false })).EnsureSuccessStatusCode();
        }
    }

    private static readonly Func<Desk, Task> VeraFree = async d =>
    {
        (await d.Owner.Http.DeleteAsync(d.Mod($"/members/{d.Vera.UserId}/mute"))).EnsureSuccessStatusCode();
        (await d.Owner.Http.DeleteAsync(d.Mod($"/members/{d.Vera.UserId}/ban"))).EnsureSuccessStatusCode();
    };

    private static readonly IReadOnlyList<WriteRow> Writes =
    [
        // Roles and overrides: manage_roles.
        W("PUT role (create)", Holder.Steward, DPut((d, _) => d.P($"/roles/{Made}"), _ => new { name = "Made", position = 100, permissions = new[] { "view" } }), Roles),
        W("PUT role (edit)", Holder.Steward, DPut((d, t) => d.P($"/roles/{t}"), _ => new { name = "Edited", position = 100, permissions = new[] { "view", "send" } }), Roles,
            prepare: NewRole),
        W("PUT everyone role", Holder.Steward, DPut((d, _) => d.P("/roles/everyone"), _ => new { permissions = EveryoneDefaults.Append("mention_everyone") }), Roles,
            undo: AsOwner(d => d.P("/roles/everyone"), _ => new { permissions = EveryoneDefaults })),
        W("DELETE role", Holder.Steward, DDelete((d, t) => d.P($"/roles/{t}")), Roles, prepare: NewRole),
        W("PUT member roles", Holder.Steward, DPut((d, _) => d.P($"/members/{d.Vera.UserId}/roles"), _ => new { roles = new[] { Badge } }), VeraRecord,
            undo: AsOwner(d => d.P($"/members/{d.Vera.UserId}/roles"), _ => new { roles = Array.Empty<string>() })),
        W("PUT channel overrides", Holder.Steward,
            DPut((d, _) => d.P($"/channels/{Spare}/overrides"), _ => new { overrides = new[] { new { role = Badge, deny = new[] { "send" } } } }),
            Reads(d => d.P($"/channels/{Spare}/overrides"))),
        W("PUT category overrides", Holder.Steward,
            DPut((d, _) => d.P($"/categories/{Shelf}/overrides"), _ => new { overrides = new[] { new { role = Badge, deny = new[] { "reply" } } } }),
            Reads(d => d.P($"/categories/{Shelf}/overrides"))),

        // Visibility, invites and join requests.
        W("PUT visibility", Holder.Owner, DPut((d, _) => d.P("/visibility"), _ => new { visibility = "restricted" }), Reads(d => d.P("")),
            undo: AsOwner(d => d.P("/visibility"), _ => new { visibility = "private" })),
        W("POST invite", Holder.Steward, DPost((d, _) => d.P("/invites"), new { maxUses = 1 }), Invites),
        W("DELETE invite", Holder.Steward, DDelete((d, t) => d.P($"/invites/{t}")), Invites,
            prepare: (d, may) => IdOf(may.PostAsync(d.P("/invites"), new { maxUses = 1 }), "code")),
        W("POST join-request approve", Holder.Steward, DPost((d, t) => d.L($"/join-requests/{t}/approve")), Requests, prepare: NewJoinRequest, inLobby: true),
        W("POST join-request decline", Holder.Steward, DPost((d, t) => d.L($"/join-requests/{t}/decline")), Requests, prepare: NewJoinRequest, inLobby: true),

        // Webhooks: manage_webhooks (an event no row raises, so that no delivery changes the listing meanwhile).
        W("POST webhook", Holder.Steward, DPost((d, _) => d.P("/webhooks"), Hook), Hooks),
        W("DELETE webhook", Holder.Steward, DDelete((d, t) => d.P($"/webhooks/{t}")), Hooks, prepare: NewHook),
        W("POST webhook rotate-secret", Holder.Steward, DPost((d, t) => d.P($"/webhooks/{t}/rotate-secret")), Hooks, prepare: NewHook),
        W("PUT webhook enabled", Holder.Steward, DPut((d, t) => d.P($"/webhooks/{t}/enabled"), _ => new { enabled = false }), Hooks, prepare: NewHook),
        W("GET webhook dead-letters", Holder.Steward, DGet((d, t) => d.P($"/webhooks/{t}/dead-letters")), prepare: NewHook),
        W("POST webhook dead-letters replay", Holder.Steward, DPost((d, t) => d.P($"/webhooks/{t}/dead-letters/replay")), Hooks, prepare: NewHook),

        // API tokens and the CRM feed: admins.
        W("POST token", Holder.Owner, DPost((d, _) => d.P("/tokens"), new { name = "Bot", scopes = new[] { "members:read" }, expiresInDays = 1 }), Tokens),
        W("GET tokens", Holder.Owner, DGet((d, _) => d.P("/tokens"))),
        W("DELETE token", Holder.Owner, DDelete((d, t) => d.P($"/tokens/{t}")), Tokens,
            prepare: (d, may) => IdOf(may.PostAsync(d.P("/tokens"), new { name = "Bot", scopes = new[] { "members:read" }, expiresInDays = 1 }), "info", "id")),
        W("GET members/changes", Holder.Owner, DGet((d, _) => d.P("/members/changes"))),

        // Moderation of members: moderate.
        W("POST mute", Holder.Steward, DPost((d, _) => d.Mod($"/members/{d.Vera.UserId}/mute"), new { minutes = 5, reason = "zqx" }), VeraRecord, undo: VeraFree),
        W("DELETE mute", Holder.Steward, DDelete((d, _) => d.Mod($"/members/{d.Vera.UserId}/mute")), VeraRecord, undo: VeraFree,
            prepare: (d, may) => Done(may.PostAsync(d.Mod($"/members/{d.Vera.UserId}/mute"), new { minutes = 5 }))),
        W("POST ban", Holder.Steward, DPost((d, _) => d.Mod($"/members/{d.Vera.UserId}/ban"), new { reason = "zqx" }), VeraRecord, undo: VeraFree),
        W("DELETE ban", Holder.Steward, DDelete((d, _) => d.Mod($"/members/{d.Vera.UserId}/ban")), VeraRecord, undo: VeraFree,
            prepare: (d, may) => Done(may.PostAsync(d.Mod($"/members/{d.Vera.UserId}/ban"), new { reason = "zqx" }))),
        W("POST warn", Holder.Steward, DPost((d, _) => d.Mod($"/members/{d.Vera.UserId}/warn"), new { reason = "zqx" }), VeraRecord),
        W("GET sanctions", Holder.Steward, DGet((d, _) => d.Mod($"/members/{d.Vera.UserId}/sanctions"))),
        W("POST sanction revoke", Holder.Steward, DPost((d, t) => d.Mod($"/members/{d.Vera.UserId}/sanctions/{t}/revoke"), new { reason = "zqx" }), VeraSanctions,
            prepare: async (d, may) =>
            {
                (await may.PostAsync(d.Mod($"/members/{d.Vera.UserId}/warn"), new { reason = "zqx" })).EnsureSuccessStatusCode();
                return JsonDocument.Parse(await may.Http.GetStringAsync(d.Mod($"/members/{d.Vera.UserId}/sanctions"))).RootElement[0].GetProperty("id").GetString()!;
            }),
        W("GET moderation policy", Holder.Steward, DGet((d, _) => d.P("/moderation/policy"))),
        W("PUT moderation policy", Holder.Steward, DPut((d, _) => d.P("/moderation/policy"), _ => new { blockedTerms = new[] { "zqxterm" } }),
            Reads(d => d.P("/moderation/policy"))),

        // Messages and the review queue: manage_messages.
        W("POST remove message", Holder.Steward, DPost((d, t) => d.Mod($"/channels/{Talk}/messages/{t}/remove"), new { reason = "zqx" }), TalkHistory, prepare: RexWrites),
        W("POST restore message", Holder.Steward, DPost((d, t) => d.Mod($"/channels/{Talk}/messages/{t}/restore")), TalkHistory, until: "not_found",
            prepare: async (d, may) =>
            {
                var seq = await RexWrites(d, may);
                (await may.PostAsync(d.Mod($"/channels/{Talk}/messages/{seq}/remove"), new { reason = "zqx" })).EnsureSuccessStatusCode();
                return seq;
            }),
        W("hub RemoveMessage (another's)", Holder.Steward, HubCall("RemoveMessage", (d, t) => [d.C, Talk, long.Parse(t, System.Globalization.CultureInfo.InvariantCulture), "zqx"]),
            TalkHistory, prepare: RexWrites),
        W("DELETE post (another's)", Holder.Steward, DDelete((d, t) => d.P($"/threads/{d.Topic}/posts/{t}?reason=zqx")), TopicPosts,
            prepare: async (d, _) => await IdOf(d.Rex.PostAsync(d.P($"/threads/{d.Topic}/posts"), new { body = $"zqx reply {Guid.NewGuid():n}" }), "seq")),
        W("PUT slow mode", Holder.Steward, DPut((d, _) => d.P($"/channels/{Spare}/slow-mode"), _ => new { seconds = 5 }), null,
            undo: AsOwner(d => d.P($"/channels/{Spare}/slow-mode"), _ => new { seconds = 0 })),
        W("POST queue approve", Holder.Steward, DPost((d, t) => d.Mod($"/queue/{t}/approve")), Queue, prepare: RexWritesAndVeraReports),
        W("POST queue reject", Holder.Steward, DPost((d, t) => d.Mod($"/queue/{t}/reject"), new { reason = "zqx" }), Queue, prepare: RexWritesAndVeraReports),

        // Creating things: events (manage_events), campaigns (manage_campaigns), the community's own settings (admins).
        W("POST event", Holder.Steward, DPost((d, _) => d.P("/events"), new
        {
            id = Made, title = "Made", startsAt = DateTimeOffset.UtcNow.AddDays(1), endsAt = DateTimeOffset.UtcNow.AddDays(1).AddHours(2), capacity = 10,
            sessions = Array.Empty<object>(),
        }), Reads(d => d.P("/events"))),
        W("POST campaign", Holder.Steward, DPost((d, _) => d.P("/campaigns"), new
        {
            id = Made, title = "Made", startsAt = DateTimeOffset.UtcNow.AddDays(1), endsAt = DateTimeOffset.UtcNow.AddDays(2), multiplier = 2.0,
        }), Reads(d => d.P("/campaigns"))),
        W("POST channel", Holder.Owner, DPost((d, _) => d.P("/channels"), new { id = Made, name = "Made" }), Reads(d => d.P("/channels"))),
        W("POST forum category", Holder.Owner, DPost((d, _) => d.P("/forum/categories"), new { id = Made, name = "Made", description = "" }),
            Reads(d => d.P("/forum/categories"))),
        W("PUT forum settings", Holder.Owner, DPut((d, _) => d.P("/forum/settings"), _ => new { reactions = new[] { "+1", "heart", "zqx" } }),
            Reads(d => d.P("/forum/settings"))),
        W("POST challenge", Holder.Owner, DPost((d, _) => d.P("/gamification/challenges"), new
        {
            id = Made, title = "Made", kind = "message_accepted", target = 5, startsAt = DateTimeOffset.UtcNow, endsAt = DateTimeOffset.UtcNow.AddDays(7), bonusPoints = 20,
        }), Reads(d => d.P("/gamification/challenges"))),
        W("PUT points rules", Holder.Owner, DPut((d, _) => d.P("/gamification/rules"),
            _ => new { actions = new Dictionary<string, object> { ["message_accepted"] = new { points = 3, fullPerDay = 10, dailyCap = 20 } } }),
            Reads(d => d.P("/gamification/rules"))),
        W("PUT profile fields", Holder.Owner, DPut((d, _) => d.P("/profile-fields"),
            _ => new[] { new { id = "industry", label = "Industry", values = new[] { "retail", "finance" }, multiple = false } }), Reads(d => d.P("/profile-fields"))),
        W("PUT retention", Holder.Owner, DPut((d, _) => d.P("/retention"), _ => new { messageDays = 3650 }), Reads(d => d.P("/retention"))),
        W("PUT guidelines", Holder.Owner, DPut((d, _) => d.P("/guidelines"), _ => new { text = "zqx: be kind." }), Reads(d => d.P("/guidelines")),
            undo: EveryoneAccepts),
        W("DELETE member (erasure)", Holder.Owner, DDelete((d, t) => d.P($"/members/{t}")), ReadsOf((d, t) => d.P($"/members/{t}")), prepare: NewMember),

        // Uploads: any member who may post; the one muted meanwhile may not.
        W("POST attachment", Holder.Member, Upload()),
    ];

    private static Task<string> NewHook(Desk d, TestUser may) => IdOf(may.PostAsync(d.P("/webhooks"), Hook), "endpoint", "id");

    private static Func<Desk, TestUser, string, Task<Outcome>> HubCall(string method, Func<Desk, string, object?[]> args) =>
        async (d, u, t) =>
        {
            try
            {
                return new(true, null, (await u.Hub.InvokeCoreAsync<JsonElement>(method, args(d, t))).GetRawText());
            }
            catch (HubException ex)
            {
                return new(false, SystemFixture.CodeOf(ex), ex.Message);
            }
        };

    [Theory]
    [MemberData(nameof(WriteRows))]
    [Trait("Area", "Roles")]
    public async Task Each_manager_write_is_refused_to_those_without_the_permission_and_changes_nothing_for_them(string row)
    {
        var d = await DeskAsync();
        var r = Writes.Single(x => x.Name == row);
        var may = r.Holder switch { Holder.Owner => d.Owner, Holder.Steward => d.Steward, _ => d.Member };
        var target = r.Prepare is null ? "" : await r.Prepare(d, may);
        var audit = r.InLobby ? d.L("/moderation/audit?limit=200") : d.Mod("/audit?limit=200");
        var before = r.Probe is null ? "" : await r.Probe(d, target);
        // The lobby is restricted: its existence is no secret, and an outsider is told to join (not_member).
        var refused = new List<(string Who, TestUser User, Expect Code)> { ("outsider", d.Outsider, r.InLobby ? new("refused", "not_member") : Expect.NotFound) };
        refused.AddRange(r.Holder switch
        {
            Holder.Member => [("member muted", d.Muted, new Expect("refused", "muted"))],
            Holder.Owner => [("plain member", d.Member, Expect.Forbidden), ("former steward", d.Former, Expect.Forbidden), ("steward (not admin)", d.Steward, Expect.Forbidden)],
            _ => [("plain member", d.Member, Expect.Forbidden), ("former steward", d.Former, Expect.Forbidden)],
        });
        // The audit log is compared by its entries naming the refused as actors: the allowed writes of the rows before may
        // still append theirs (a removal's entry is a follow-up), so the whole log need not stand still meanwhile.
        var refusedIds = refused.Select(x => x.User.UserId).ToHashSet(StringComparer.Ordinal);
        var auditBefore = await AuditBy(d, audit, refusedIds);
        foreach (var (who, user, code) in refused)
        {
            Check(row, who, code, await r.Call(d, user, target));
        }

        var after = r.Probe is null ? "" : await r.Probe(d, target);
        Assert.True(before == after, $"[{row}] a refused call changed what the owner reads: before {before}, after {after}");
        Assert.Equal(auditBefore, await AuditBy(d, audit, refusedIds));

        var allowed = await r.Call(d, may, target);
        for (var attempt = 0; r.Until is not null && allowed.Code == r.Until && attempt < 200; attempt++)
        {
            // What the row acts on lands a while after its preparation (a removed message reaches the moderation queue's
            // archive by a follow-up, behind the points' take-back, which waits for the channel's award round, up to 5 s):
            // the one who may retries for up to 20 s, as a client would; the wait is for that state, never a refusal's cause.
            await Task.Delay(TimeSpan.FromMilliseconds(100));
            allowed = await r.Call(d, may, target);
        }

        try
        {
            Assert.True(allowed.Ok, $"[{row}] the {r.Holder} was refused: {allowed.Code} {allowed.Body}");
        }
        finally
        {
            if (r.Undo is not null)
            {
                await r.Undo(d);
            }
        }
    }

    private static async Task<string> AuditBy(Desk d, string audit, HashSet<string> actors) =>
        string.Join(", ", JsonDocument.Parse(await d.Owner.Http.GetStringAsync(audit)).RootElement.GetProperty("entries").EnumerateArray()
            .Where(e => actors.Contains(e.GetProperty("actor").GetString()!)).Select(e => e.GetRawText()));

    [Fact]
    [Trait("Area", "Roles")]
    public void The_managers_table_names_each_row_once()
    {
        var names = Writes.Select(r => r.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    private async Task<Desk> DeskAsync()
    {
        await BuildingDesk.WaitAsync();
        try
        {
            return _desk ??= await BuildDesk(fixture.Url);
        }
        finally
        {
            BuildingDesk.Release();
        }
    }

    /// <summary>
    /// The desk (private) and the lobby (restricted), each with the role <c>steward</c> (position 500: every permission a
    /// custom role may hold, not admin); the former steward, connected and in the desk's channel, then loses it.
    /// </summary>
    private static async Task<Desk> BuildDesk(Uri url)
    {
        // Not disposed: the rows share them for the collection's life, and the system's shutdown closes their connections.
        var owner = await TestUser.ConnectAsync(url, "mw-olga");
        var steward = await TestUser.ConnectAsync(url, "mw-sam");
        var member = await TestUser.ConnectAsync(url, "mw-mel");
        var former = await TestUser.ConnectAsync(url, "mw-fay");
        var outsider = await TestUser.ConnectAsync(url, "mw-oz");
        var vera = await TestUser.ConnectAsync(url, "mw-vera", connectHub: false);
        var rex = await TestUser.ConnectAsync(url, "mw-rex");
        var muted = await TestUser.ConnectAsync(url, "mw-moe", connectHub: false);
        var c = $"mw-{Guid.NewGuid():n}"[..20];
        var lobby = $"mwl-{Guid.NewGuid():n}"[..20];
        var stewardRole = new
        {
            name = "Steward", position = 500,
            permissions = new[] { "view", "send", "react", "attach", "create_threads", "reply", "mention_everyone", "manage_messages", "moderate", "manage_events",
                "manage_campaigns", "view_kpis", "manage_webhooks", "manage_roles" },
        };
        var invite = "";
        foreach (var (id, visibility) in new[] { (lobby, "restricted"), (c, "private") })
        {
            var p = $"/api/communities/{id}";
            (await owner.PostAsync("/api/communities", new { id, name = "Desk", visibility })).EnsureSuccessStatusCode();
            (await owner.Http.PutAsJsonAsync($"{p}/roles/steward", stewardRole)).EnsureSuccessStatusCode();
            invite = (await (await owner.PostAsync($"{p}/invites", new { })).Created<Access.Invite>()).Code;
            var joiners = id == c ? new[] { steward, member, former, vera, rex, muted } : [steward, member, former];
            foreach (var joiner in joiners)
            {
                (await joiner.PostAsync($"{p}/members?invite={invite}")).EnsureSuccessStatusCode();
            }

            foreach (var holder in new[] { steward, former })
            {
                (await owner.Http.PutAsJsonAsync($"{p}/members/{holder.UserId}/roles", new { roles = new[] { "steward" } })).EnsureSuccessStatusCode();
            }
        }

        var desk = $"/api/communities/{c}";
        foreach (var channel in new[] { Talk, Spare })
        {
            (await owner.PostAsync($"{desk}/channels", new { id = channel, name = channel })).EnsureSuccessStatusCode();
        }

        (await owner.PostAsync($"{desk}/forum/categories", new { id = Shelf, name = "Shelf", description = "" })).EnsureSuccessStatusCode();
        var topic = await IdOf(owner.PostAsync($"{desk}/threads", new { categoryId = Shelf, kind = "Discussion", title = "zqx topic", body = "zqx words" }), "threadId");
        (await owner.Http.PutAsJsonAsync($"{desk}/roles/{Badge}", new { name = "Badge", position = 100, permissions = new[] { "view" } })).EnsureSuccessStatusCode();
        (await owner.PostAsync($"{desk}/moderation/members/{muted.UserId}/mute", new { minutes = 24 * 60, reason = "zqx" })).EnsureSuccessStatusCode();

        // The former steward is connected and in a channel when the role goes, in both communities.
        await former.JoinChannel(c, Talk);
        await former.WatchCommunity(c);
        foreach (var id in new[] { c, lobby })
        {
            (await owner.Http.PutAsJsonAsync($"/api/communities/{id}/members/{former.UserId}/roles", new { roles = Array.Empty<string>() })).EnsureSuccessStatusCode();
        }

        return new Desk
        {
            C = c, Lobby = lobby, Owner = owner, Steward = steward, Member = member, Former = former, Outsider = outsider, Vera = vera, Rex = rex, Muted = muted,
            Invite = invite, Topic = topic, Url = url,
        };
    }
}
