using CommunityScale.Errors;
using CommunityScale.Gateway.Auth;
using CommunityScale.Integrations;

namespace CommunityScale.Gateway.Api;

public sealed record WebhookRequest(string? Url, IReadOnlyList<string>? Events);

public sealed record EnabledRequest(bool Enabled);

public sealed record ReplayResult(int Replayed);

public sealed record ApiTokenRequest(string? Name, IReadOnlyList<string>? Scopes, int? ExpiresInDays);

/// <summary>Webhooks (admins): register, list, remove, rotate the secret, enable, read and replay dead letters.</summary>
public static class IntegrationEndpoints
{
    public static void MapIntegrationsApi(this WebApplication app)
    {
        var hooks = app.MapGroup("/api/communities/{communityId}/webhooks").RequireAuthorization().WithTags("Integrations").Gated(CommunityGateMode.Exists);

        hooks.MapPost("/", async (string communityId, WebhookRequest request, HttpContext http, IClusterClient cluster) =>
        {
            var created = await Registry(cluster, communityId).Register(request.Url ?? "", request.Events ?? [], http.User.ToActor());
            return Results.Created($"/api/communities/{communityId}/webhooks/{created.Endpoint.Id}", created);
        });

        hooks.MapGet("/", (string communityId, HttpContext http, IClusterClient cluster) => Registry(cluster, communityId).List(http.User.ToActor()));

        hooks.MapDelete("/{endpointId}", async (string communityId, string endpointId, HttpContext http, IClusterClient cluster) =>
        {
            await Registry(cluster, communityId).Remove(Id(endpointId), http.User.ToActor());
            return Results.NoContent();
        });

        hooks.MapPost("/{endpointId}/rotate-secret", (string communityId, string endpointId, HttpContext http, IClusterClient cluster) =>
            Registry(cluster, communityId).RotateSecret(Id(endpointId), http.User.ToActor()));

        hooks.MapPut("/{endpointId}/enabled", (string communityId, string endpointId, EnabledRequest request, HttpContext http, IClusterClient cluster) =>
            Registry(cluster, communityId).SetEnabled(Id(endpointId), request.Enabled, http.User.ToActor()));

        hooks.MapGet("/{endpointId}/dead-letters", (string communityId, string endpointId, HttpContext http, IClusterClient cluster) =>
            Registry(cluster, communityId).GetDeadLetters(Id(endpointId), http.User.ToActor()));

        hooks.MapPost("/{endpointId}/dead-letters/replay", async (string communityId, string endpointId, string? eventId, HttpContext http, IClusterClient cluster) =>
            new ReplayResult(await Registry(cluster, communityId).Replay(Id(endpointId), eventId is null ? null : Id(eventId), http.User.ToActor())));
    }

    public static void MapApiTokensApi(this WebApplication app)
    {
        var tokens = app.MapGroup("/api/communities/{communityId}/tokens").RequireAuthorization().WithTags("Integrations").Gated(CommunityGateMode.Exists);

        tokens.MapPost("/", async (string communityId, ApiTokenRequest request, HttpContext http, IClusterClient cluster) =>
        {
            var created = await Tokens(cluster, communityId).Create(request.Name ?? "", request.Scopes ?? [], request.ExpiresInDays ?? 90, http.User.ToActor());
            return Results.Created($"/api/communities/{communityId}/tokens/{created.Info.Id}", created);
        });

        tokens.MapGet("/", (string communityId, HttpContext http, IClusterClient cluster) => Tokens(cluster, communityId).List(http.User.ToActor()));

        tokens.MapDelete("/{tokenId}", (string communityId, string tokenId, HttpContext http, IClusterClient cluster) =>
            Tokens(cluster, communityId).Revoke(Id(tokenId), http.User.ToActor()));
    }

    public static void MapMemberChangesApi(this WebApplication app) =>
        app.MapGet("/api/communities/{communityId}/members/changes", (string communityId, long? since, int? limit, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IMemberChangeFeedGrain>(InputRules.RequireId(communityId, "community id"))
                .Read(since ?? 0, limit ?? 100, http.User.ToActor(), viaToken: http.User.IsApiToken()))
            .RequireAuthorization().WithTags("Integrations")
            // Tokens reach it with members:read (checked, with the community, by the token middleware before this runs).
            .WithMetadata(new ApiScopeAttribute(ApiScopes.MembersRead))
            .Gated(CommunityGateMode.Exists);

    private static IApiTokenRegistryGrain Tokens(IClusterClient cluster, string communityId) =>
        cluster.GetGrain<IApiTokenRegistryGrain>(InputRules.RequireId(communityId, "community id"));

    private static IWebhookRegistryGrain Registry(IClusterClient cluster, string communityId) =>
        cluster.GetGrain<IWebhookRegistryGrain>(InputRules.RequireId(communityId, "community id"));

    private static string Id(string id) => InputRules.RequireId(id, "id");
}
