using CommunityScale.Errors;
using CommunityScale.Gateway.Auth;
using CommunityScale.Integrations;
using Microsoft.AspNetCore.SignalR;

namespace CommunityScale.Gateway.Hubs;

/// <summary>
/// Hub calls by an API token: the token must still be active (checked on every call, so a revocation ends a bot's
/// connection at once), the method must be one its scopes open, and the community must be the token's.
/// </summary>
public sealed class ApiTokenHubFilter(IClusterClient cluster) : IHubFilter
{
    private static readonly Dictionary<string, string[]> MethodScopes = new(StringComparer.Ordinal)
    {
        [nameof(CommunityHub.JoinChannel)] = [ApiScopes.ChatRead, ApiScopes.ChatWrite],
        [nameof(CommunityHub.LeaveChannel)] = [ApiScopes.ChatRead, ApiScopes.ChatWrite],
        [nameof(CommunityHub.SendMessage)] = [ApiScopes.ChatWrite],
        [nameof(CommunityHub.SendMessageWithAttachments)] = [ApiScopes.ChatWrite],
        [nameof(CommunityHub.JoinThread)] = [ApiScopes.ThreadsRead],
        [nameof(CommunityHub.LeaveThread)] = [ApiScopes.ThreadsRead],
    };

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var user = invocationContext.Context.User;
        if (user?.IsApiToken() == true)
        {
            var tokenId = user.FindFirst(ApiTokenAuthenticationHandler.TokenClaim)!.Value;
            if (!await cluster.GetGrain<IApiTokenGrain>(tokenId).IsActive())
            {
                invocationContext.Context.Abort();
                throw new CommunityException(ErrorCodes.Forbidden, "The API token was revoked or has expired.");
            }

            if (!MethodScopes.TryGetValue(invocationContext.HubMethodName, out var scopes) || !user.HasScope(scopes))
            {
                throw new CommunityException(ErrorCodes.Forbidden, $"The token's scopes do not open {invocationContext.HubMethodName}.");
            }

            if (!user.MayAct((invocationContext.HubMethodArguments.Count > 0 ? invocationContext.HubMethodArguments[0] : null) as string))
            {
                throw new CommunityException(ErrorCodes.Forbidden, "The token belongs to another community.");
            }
        }

        return await next(invocationContext);
    }
}
