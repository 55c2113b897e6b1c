using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using CommunityScale.Integrations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CommunityScale.Gateway.Auth;

/// <summary>
/// Bots and integrations sign in with an API token (<c>Authorization: Bearer cst_…</c>, or <c>access_token</c> on the
/// hub). The token's grain is asked on every request, so a revocation takes effect at once. The principal acts as the
/// token's bot member and carries its community and scopes; <see cref="ApiTokenScopes"/> enforces them.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IClusterClient cluster)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";
    public const string CommunityClaim = "cs:community";
    public const string ScopeClaim = "cs:scope";
    public const string TokenClaim = "cs:token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (TokenOf(Request) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var id = dot > ApiTokenFormat.Prefix.Length ? token[ApiTokenFormat.Prefix.Length..dot] : "";
        if (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower))
        {
            return AuthenticateResult.Fail("Malformed API token.");
        }

        var grant = await cluster.GetGrain<IApiTokenGrain>(id).Validate(SHA256.HashData(Encoding.UTF8.GetBytes(token[(dot + 1)..])));
        if (grant is null)
        {
            return AuthenticateResult.Fail("The API token is unknown, revoked or expired.");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(AuthSetup.UserIdClaim, grant.BotUserId),
                new Claim(AuthSetup.DisplayNameClaim, grant.Name),
                new Claim(CommunityClaim, grant.CommunityId),
                new Claim(TokenClaim, grant.TokenId),
                .. grant.Scopes.Select(s => new Claim(ScopeClaim, s)),
            ], SchemeName, AuthSetup.DisplayNameClaim, null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>The API token of a request, if it carries one rather than a user's JWT.</summary>
    public static string? TokenOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer " + ApiTokenFormat.Prefix, StringComparison.Ordinal))
        {
            return header["Bearer ".Length..].Trim();
        }

        var query = request.Query["access_token"].ToString();
        return query.StartsWith(ApiTokenFormat.Prefix, StringComparison.Ordinal) && request.Path.StartsWithSegments("/hubs", StringComparison.Ordinal)
            ? query
            : null;
    }
}

/// <summary>Marks an endpoint as open to API tokens holding any of these scopes; endpoints without it refuse tokens.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class ApiScopeAttribute(params string[] scopes) : Attribute
{
    public IReadOnlyList<string> Scopes { get; } = scopes;
}

/// <summary>What a token principal may reach: its own community, and endpoints whose scope it holds. Users' tokens pass untouched.</summary>
public static class ApiTokenScopes
{
    public static bool IsApiToken(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == ApiTokenAuthenticationHandler.TokenClaim);

    public static bool HasScope(this ClaimsPrincipal user, IEnumerable<string> scopes) =>
        scopes.Any(s => user.HasClaim(ApiTokenAuthenticationHandler.ScopeClaim, s));

    public static bool MayAct(this ClaimsPrincipal user, string? communityId) =>
        !user.IsApiToken() || (communityId is not null && user.HasClaim(ApiTokenAuthenticationHandler.CommunityClaim, communityId));

    /// <summary>Middleware, after authorization: refuses a token outside its community or scopes with <c>forbidden</c>.</summary>
    /// <remarks>
    /// Not async: a hub connection's request runs inside every middleware for the connection's lifetime, and an awaiting
    /// middleware keeps its state machine (112 bytes, measured) that long; this one has nothing to do after the call.
    /// </remarks>
    public static IApplicationBuilder UseApiTokenScopes(this IApplicationBuilder app) => app.Use(next => http =>
    {
        if (http.User.IsApiToken())
        {
            var scopes = http.GetEndpoint()?.Metadata.GetMetadata<ApiScopeAttribute>();
            var community = http.GetRouteValue("communityId") as string;
            var refusal = scopes is null ? "This endpoint is not open to API tokens."
                : !http.User.HasScope(scopes.Scopes) ? $"The token lacks the scope {string.Join(" or ", scopes.Scopes)}."
                : community is not null && !http.User.MayAct(community) ? "The token belongs to another community."
                : null;
            if (refusal is not null)
            {
                throw new Errors.CommunityException(Errors.ErrorCodes.Forbidden, refusal);
            }
        }

        return next(http);
    });
}
