using CommunityScale.Gateway.Auth;
using Microsoft.Extensions.Options;

namespace CommunityScale.Gateway.Api;

/// <summary>What a sign-in page needs before it has a token, and who a token names once it has one.</summary>
public static class AuthEndpoints
{
    public static void MapAuthApi(this WebApplication app)
    {
        // Public by nature: the same values stand in the page's requests to the provider. Never the signing key.
        app.MapGet("/api/auth/config", (IOptions<AuthOptions> options) =>
        {
            var o = options.Value;
            var provider = string.IsNullOrWhiteSpace(o.Authority) || string.IsNullOrWhiteSpace(o.ClientId)
                ? null
                : new ProviderSignIn(o.Authority, o.ClientId, o.Scopes);
            return new AuthConfig(o.DevTokens, provider);
        }).AllowAnonymous().WithTags("Auth");

        // The provider's token says who signed in in its own claims; the page shows the user id the gateway mapped them to.
        app.MapGet("/api/auth/me", (HttpContext http) => http.User.ToActor()).RequireAuthorization().WithTags("Auth");
    }
}

/// <summary><c>GET /api/auth/config</c>: which sign-ins the web app offers.</summary>
public sealed record AuthConfig(bool DevTokens, ProviderSignIn? Provider);

/// <summary>The public client settings for Authorization Code with PKCE at the organisation's provider.</summary>
public sealed record ProviderSignIn(string Authority, string ClientId, string Scopes);
