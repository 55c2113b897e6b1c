using System.Reflection;
using CommunityScale.Gateway.Hubs;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// Issue 27's matrix covers every route and hub method: each route the gateway maps (read from its endpoint data source,
/// so a new <c>Map…</c> call shows up here) is listed in <see cref="RouteRows"/> with a row that drives it, or in
/// <see cref="NotAboutAccess"/> with why it needs none; each public method of the hub has a row named after it.
/// </summary>
public sealed partial class AccessMatrixTests
{
    private const string C = "/api/communities/{communityId}";

    /// <summary>Paths that carry no community's or member's data, so no refusal to prove.</summary>
    private static readonly Dictionary<string, string> NotAboutAccess = new(StringComparer.Ordinal)
    {
        ["/api/auth/config"] = "anonymous: how to sign in",
        ["/api/auth/dev-token"] = "anonymous, development only: issues a token",
        ["/health/live"] = "process health",
        ["/health/ready"] = "process health",
        ["/metrics"] = "Prometheus scraping",
        ["/openapi/{documentName}.json"] = "the API's description",
        ["/hubs/community"] = "the hub's transport: its methods are rows",
        ["/hubs/community/negotiate"] = "the hub's transport: its methods are rows",
    };

    /// <summary>Every mapped route ("METHOD pattern", no trailing slash) and the row that drives it.</summary>
    private static readonly Dictionary<string, string> RouteRows = new(StringComparer.Ordinal)
    {
        ["GET /api/auth/me"] = "GET auth/me",
        ["POST /api/communities"] = "POST communities (a taken id)",
        [$"GET {C}"] = "GET community",
        [$"POST {C}/members"] = "POST members (join without an invite)",
        [$"GET {C}/members/{{userId}}"] = "GET member",
        [$"POST {C}/channels"] = "POST channel",
        [$"GET {C}/channels"] = "GET channels",
        [$"GET {C}/channels/{{channelId}}/messages"] = "GET channel messages",

        [$"GET {C}/roles"] = "GET roles",
        [$"PUT {C}/roles/{{roleId}}"] = "PUT role (edit)",
        [$"DELETE {C}/roles/{{roleId}}"] = "DELETE role",
        [$"PUT {C}/members/{{userId}}/roles"] = "PUT member roles",
        [$"GET {C}/channels/{{channelId}}/overrides"] = "GET channel overrides",
        [$"PUT {C}/channels/{{channelId}}/overrides"] = "PUT channel overrides",
        [$"GET {C}/categories/{{categoryId}}/overrides"] = "GET category overrides",
        [$"PUT {C}/categories/{{categoryId}}/overrides"] = "PUT category overrides",
        [$"PUT {C}/visibility"] = "PUT visibility",
        [$"POST {C}/invites"] = "POST invite",
        [$"GET {C}/invites"] = "GET invites",
        [$"DELETE {C}/invites/{{code}}"] = "DELETE invite",
        [$"POST {C}/join-requests"] = "POST join-request",
        [$"GET {C}/join-requests"] = "GET join-requests",
        [$"POST {C}/join-requests/{{userId}}/approve"] = "POST join-request approve",
        [$"POST {C}/join-requests/{{userId}}/decline"] = "POST join-request decline",
        [$"GET {C}/permissions/me"] = "GET permissions/me",
        [$"GET {C}/channels/{{channelId}}/permissions/me"] = "GET channel permissions/me",

        [$"GET {C}/moderation/policy"] = "GET moderation policy",
        [$"PUT {C}/moderation/policy"] = "PUT moderation policy",
        [$"PUT {C}/channels/{{channelId}}/slow-mode"] = "PUT slow mode",
        [$"POST {C}/moderation/members/{{userId}}/mute"] = "POST mute",
        [$"DELETE {C}/moderation/members/{{userId}}/mute"] = "DELETE mute",
        [$"POST {C}/moderation/members/{{userId}}/ban"] = "POST ban",
        [$"DELETE {C}/moderation/members/{{userId}}/ban"] = "DELETE ban",
        [$"POST {C}/moderation/channels/{{channelId}}/messages/{{seq:long}}/remove"] = "POST remove message",
        [$"POST {C}/moderation/members/{{userId}}/warn"] = "POST warn",
        [$"GET {C}/moderation/members/{{userId}}/sanctions"] = "GET sanctions",
        [$"POST {C}/moderation/members/{{userId}}/sanctions/{{sanctionId}}/revoke"] = "POST sanction revoke",
        [$"POST {C}/moderation/channels/{{channelId}}/messages/{{seq:long}}/restore"] = "POST restore message",
        [$"GET {C}/moderation/audit"] = "GET audit",
        [$"GET {C}/moderation/queue"] = "GET review queue",
        [$"POST {C}/moderation/queue/{{itemId}}/approve"] = "POST queue approve",
        [$"POST {C}/moderation/queue/{{itemId}}/reject"] = "POST queue reject",
        [$"POST {C}/channels/{{channelId}}/messages/{{seq:long}}/report"] = "POST report message",
        [$"GET {C}/me/sanctions"] = "GET me/sanctions",
        [$"POST {C}/me/sanctions/{{sanctionId}}/appeal"] = "POST sanction appeal",
        ["GET /api/me/notifications"] = "GET notifications",
        ["POST /api/me/notifications/read-all"] = "POST notifications read-all",
        ["GET /api/me/notifications/settings"] = "GET notification settings",
        ["PUT /api/me/notifications/settings"] = "PUT notification settings",
        ["POST /api/me/notifications/read"] = "POST notifications read",

        [$"GET {C}/forum/categories"] = "GET forum/categories",
        [$"POST {C}/forum/categories"] = "POST forum category",
        [$"GET {C}/forum/settings"] = "GET forum/settings",
        [$"PUT {C}/forum/settings"] = "PUT forum settings",
        [$"GET {C}/threads"] = "GET threads",
        [$"GET {C}/search"] = "GET search",
        [$"POST {C}/threads"] = "POST threads",
        [$"GET {C}/threads/{{threadId}}"] = "GET thread",
        [$"GET {C}/threads/{{threadId}}/permissions/me"] = "GET thread permissions/me",
        [$"POST {C}/threads/{{threadId}}/posts"] = "POST thread posts",
        [$"PUT {C}/threads/{{threadId}}/posts/{{seq:long}}"] = "PUT post (edit)",
        [$"DELETE {C}/threads/{{threadId}}/posts/{{seq:long}}"] = "DELETE post",
        [$"GET {C}/threads/{{threadId}}/posts/{{seq:long}}/revisions"] = "GET post revisions",
        [$"PUT {C}/threads/{{threadId}}/posts/{{seq:long}}/reactions/{{emoji}}"] = "PUT post reaction",
        [$"DELETE {C}/threads/{{threadId}}/posts/{{seq:long}}/reactions/{{emoji}}"] = "DELETE post reaction",
        [$"PUT {C}/threads/{{threadId}}/accepted"] = "PUT accepted",
        [$"DELETE {C}/threads/{{threadId}}/accepted"] = "DELETE accepted",
        [$"GET {C}/threads/{{threadId}}/follow"] = "GET follow",
        [$"PUT {C}/threads/{{threadId}}/follow"] = "PUT follow",
        [$"DELETE {C}/threads/{{threadId}}/follow"] = "DELETE follow",
        [$"PUT {C}/threads/{{threadId}}/vote"] = "PUT vote",
        [$"DELETE {C}/threads/{{threadId}}/vote"] = "DELETE vote",
        [$"PUT {C}/threads/{{threadId}}/status"] = "PUT idea status",

        [$"POST {C}/attachments"] = "POST attachment",
        [$"GET {C}/attachments/{{attachmentId}}/link"] = "GET attachment link",
        ["GET /api/attachments/{token}"] = "GET attachment bytes (through its link)",

        [$"POST {C}/webhooks"] = "POST webhook",
        [$"GET {C}/webhooks"] = "GET webhooks",
        [$"DELETE {C}/webhooks/{{endpointId}}"] = "DELETE webhook",
        [$"POST {C}/webhooks/{{endpointId}}/rotate-secret"] = "POST webhook rotate-secret",
        [$"PUT {C}/webhooks/{{endpointId}}/enabled"] = "PUT webhook enabled",
        [$"GET {C}/webhooks/{{endpointId}}/dead-letters"] = "GET webhook dead-letters",
        [$"POST {C}/webhooks/{{endpointId}}/dead-letters/replay"] = "POST webhook dead-letters replay",
        [$"POST {C}/tokens"] = "POST token",
        [$"GET {C}/tokens"] = "GET tokens",
        [$"DELETE {C}/tokens/{{tokenId}}"] = "DELETE token",
        [$"GET {C}/members/changes"] = "GET members/changes",

        [$"POST {C}/events"] = "POST event",
        [$"GET {C}/events"] = "GET events",
        [$"GET {C}/events/{{eventId}}"] = "GET event",
        [$"GET {C}/events/{{eventId}}/rsvp"] = "GET rsvp",
        [$"PUT {C}/events/{{eventId}}/rsvp"] = "PUT rsvp",
        [$"DELETE {C}/events/{{eventId}}/rsvp"] = "DELETE rsvp",
        [$"POST {C}/events/{{eventId}}/checkin"] = "POST checkin",
        [$"PUT {C}/events/{{eventId}}/survey"] = "PUT survey",
        [$"GET {C}/events/{{eventId}}/survey/results"] = "GET survey results",
        [$"GET {C}/events/{{eventId}}/sessions/{{sessionId}}/questions"] = "GET questions",
        [$"POST {C}/events/{{eventId}}/sessions/{{sessionId}}/questions"] = "POST question",
        [$"PUT {C}/events/{{eventId}}/sessions/{{sessionId}}/questions/{{questionId}}/vote"] = "PUT question vote",
        [$"PUT {C}/events/{{eventId}}/sessions/{{sessionId}}/questions/{{questionId}}"] = "PUT question (moderate)",
        [$"GET {C}/events/{{eventId}}/sessions/{{sessionId}}/polls"] = "GET polls",
        [$"POST {C}/events/{{eventId}}/sessions/{{sessionId}}/polls"] = "POST poll",
        [$"PUT {C}/events/{{eventId}}/sessions/{{sessionId}}/polls/{{pollId}}/open"] = "PUT poll open",
        [$"PUT {C}/events/{{eventId}}/sessions/{{sessionId}}/polls/{{pollId}}/vote"] = "PUT poll vote",

        [$"POST {C}/campaigns"] = "POST campaign",
        [$"GET {C}/campaigns"] = "GET campaigns",
        [$"GET {C}/campaigns/{{campaignId}}"] = "GET campaign",
        [$"GET {C}/campaigns/{{campaignId}}/leaderboard"] = "GET campaign leaderboard",
        [$"GET {C}/campaigns/{{campaignId}}/kpis"] = "GET campaign kpis",
        [$"GET {C}/profile-fields"] = "GET profile-fields",
        [$"PUT {C}/profile-fields"] = "PUT profile fields",
        [$"PUT {C}/members/me/profile"] = "PUT profile",
        [$"GET {C}/kpis"] = "GET kpis",
        [$"GET {C}/kpis.csv"] = "GET kpis.csv",

        [$"GET {C}/gamification/rules"] = "GET gamification rules",
        [$"PUT {C}/gamification/rules"] = "PUT points rules",
        [$"GET {C}/members/{{userId}}/points"] = "GET member points",
        [$"GET {C}/gamification/challenges"] = "GET challenges",
        [$"POST {C}/gamification/challenges"] = "POST challenge",
        [$"PUT {C}/me/gamification"] = "PUT me/gamification",
        [$"GET {C}/channels/{{channelId}}/leaderboard"] = "GET channel leaderboard",
        [$"GET {C}/leaderboards/weeks"] = "GET leaderboard weeks",
        [$"GET {C}/leaderboards/{{board}}"] = "GET leaderboard all",
        [$"GET {C}/leaderboards/{{board}}/me"] = "GET leaderboard me",

        [$"GET {C}/guidelines"] = "GET guidelines",
        [$"PUT {C}/guidelines"] = "PUT guidelines",
        [$"GET {C}/members/me/consent"] = "GET consent",
        [$"PUT {C}/members/me/consent"] = "PUT consent",
        [$"GET {C}/members/{{userId}}/export"] = "GET member export",
        [$"DELETE {C}/members/{{userId}}"] = "DELETE member (own erasure)",
        [$"GET {C}/members/{{userId}}/erasure"] = "GET erasure status",
        [$"GET {C}/retention"] = "GET retention",
        [$"PUT {C}/retention"] = "PUT retention",
        ["GET /api/me/communities"] = "GET me/communities",
        ["GET /api/me/export"] = "GET me/export",
        ["DELETE /api/me"] = "DELETE me (account erasure)",
    };

    [Fact]
    [Trait("Area", "Roles")]
    public void Every_route_and_hub_method_has_a_row()
    {
        var rows = ReadTable.Select(r => r.Name).Concat(Writes.Select(r => r.Name)).Concat(SelfTable.Select(r => r.Name)).ToHashSet(StringComparer.Ordinal);
        var mapped = fixture.System.GatewayServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"], Path: "/" + e.RoutePattern.RawText!.Trim('/')))
            .Where(e => !NotAboutAccess.ContainsKey(e.Path))
            .SelectMany(e => e.Methods.Select(m => $"{m} {e.Path}"))
            .ToHashSet(StringComparer.Ordinal);

        Assert.True(mapped.Count > 100, $"the gateway's routes were not read: {string.Join(", ", mapped)}");
        Assert.Empty(mapped.Where(r => !RouteRows.ContainsKey(r)).Order(StringComparer.Ordinal));
        Assert.Empty(RouteRows.Keys.Where(r => !mapped.Contains(r)).Order(StringComparer.Ordinal));
        Assert.Empty(RouteRows.Values.Where(r => !rows.Contains(r)).Order(StringComparer.Ordinal));

        var hubMethods = typeof(CommunityHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && m.GetBaseDefinition().DeclaringType == typeof(CommunityHub)).Select(m => m.Name).ToList();
        Assert.NotEmpty(hubMethods);
        Assert.Empty(hubMethods.Where(m => !rows.Contains($"hub {m}")).Order(StringComparer.Ordinal));
    }
}
