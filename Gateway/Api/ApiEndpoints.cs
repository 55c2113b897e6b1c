using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gateway.Auth;
using Microsoft.Extensions.Options;

namespace CommunityScale.Gateway.Api;

/// <summary>The REST API under <c>/api</c>. Handlers check input, then call one grain; grains enforce the rules.</summary>
public static class ApiEndpoints
{
    /// <summary>A person's user id: bot ids are reserved for API tokens' members.</summary>
    private static string RequirePersonId(string? userId) =>
        Integrations.ApiTokenFormat.IsBot(InputRules.RequireId(userId, "userId"))
            ? throw CommunityException.Invalid($"User ids starting with '{Integrations.ApiTokenFormat.BotUserPrefix}' are reserved for bots.")
            : userId!;

    public static void MapCommunityApi(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.DevTokens)
        {
            app.MapPost("/api/auth/dev-token", (DevTokenRequest request, TokenIssuer issuer) =>
                new DevTokenResponse(issuer.Issue(RequirePersonId(request.UserId), InputRules.RequireName(request.DisplayName, "displayName"))))
                .AllowAnonymous().WithTags("Auth");
        }

        var api = app.MapGroup("/api/communities").RequireAuthorization().WithTags("Communities");

        api.MapPost("/", async (CreateCommunityRequest request, HttpContext http, IClusterClient cluster) =>
        {
            var id = InputRules.RequireId(request.Id, "community id");
            var community = await cluster.GetGrain<ICommunityGrain>(id).Create(InputRules.RequireName(request.Name, "name"), http.User.ToActor(),
                request.Visibility ?? Access.CommunityVisibility.Public);
            return Results.Created($"/api/communities/{id}", community);
        });

        api.MapGet("/{communityId}", (string communityId, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<ICommunityGrain>(InputRules.RequireId(communityId, "community id")).GetInfoFor(http.User.ToActor().UserId));

        // The body (guidelines version accepted, marketing choice) is optional until the community publishes guidelines;
        // a restricted or private community needs ?invite=<code>.
        api.MapPost("/{communityId}/members", (string communityId, string? invite, Privacy.ConsentGiven? consent, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<ICommunityGrain>(InputRules.RequireId(communityId, "community id"))
                .Join(http.User.ToActor(), consent, invite is null ? null : InputRules.RequireId(invite, "invite")));

        api.MapGet("/{communityId}/members/{userId}", async (string communityId, string userId, IClusterClient cluster) =>
        {
            var key = new MemberKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(userId, "user id"));
            return await cluster.Member(key).Get() ?? throw CommunityException.NotFound($"Member '{userId}' of '{communityId}'");
        }).Gated(CommunityGateMode.Content);

        api.MapPost("/{communityId}/channels", async (string communityId, CreateChannelRequest request, HttpContext http, IClusterClient cluster) =>
        {
            var id = InputRules.RequireId(communityId, "community id");
            var channel = await cluster.GetGrain<ICommunityGrain>(id).CreateChannel(
                InputRules.RequireId(request.Id, "channel id"), InputRules.RequireName(request.Name, "name"), request.MaxMessageLength, http.User.ToActor());
            return Results.Created($"/api/communities/{id}/channels/{channel.Id}", channel);
        });

        api.MapGet("/{communityId}/channels", (string communityId, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<ICommunityGrain>(InputRules.RequireId(communityId, "community id")).ListChannelsFor(http.User.ToActor().UserId));

        api.MapGet("/{communityId}/channels/{channelId}/messages", (string communityId, string channelId, long? afterSeq, int? limit, HttpContext http, IClusterClient cluster) =>
        {
            var key = new ChannelKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(channelId, "channel id"));
            return cluster.Channel(key).ReadAs(http.User.ToActor().UserId, InputRules.RequireAfterSeq(afterSeq), InputRules.RequireLimit(limit, 50));
        }).WithMetadata(new ApiScopeAttribute(Integrations.ApiScopes.ChatRead));
    }
}
