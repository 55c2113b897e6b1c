using System.Security.Claims;
using System.Text;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.ServiceDefaults;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CommunityScale.Gateway.Auth;

public static class AuthSetup
{
    public const string UserIdClaim = "sub";
    public const string DisplayNameClaim = "name";
    private const string Selector = "JwtOrApiToken";

    public static IServiceCollection AddCommunityAuth(this IServiceCollection services, IConfiguration config)
    {
        var options = config.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (options.SigningKey.Length < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be set to at least 32 characters (the JWT signing key).");
        }

        services.AddValidatedOptions<AuthOptions>(config, AuthOptions.Section);
        services.AddSingleton<TokenIssuer>();
        services.AddAuthorization();
        // One entry point: a bearer that looks like an API token goes to its handler, anything else is a user's JWT.
        services.AddAuthentication(Selector)
            .AddPolicyScheme(Selector, "JWT or API token", policy => policy.ForwardDefaultSelector = http =>
                ApiTokenAuthenticationHandler.TokenOf(http.Request) is null ? JwtBearerDefaults.AuthenticationScheme : ApiTokenAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false;
            // A hub connection keeps its request's principal and ticket for as long as it is open: keep neither the raw
            // token nor the parsed one (measured: ≈ 5 KB of claims, token objects and strings per connection).
            jwt.SaveToken = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = options.Issuer,
                ValidAudience = options.Audience,
                IssuerSigningKeys = [SigningKey(options), .. options.PreviousSigningKeys.Where(k => k.Length >= 32).Select(k => new SymmetricSecurityKey(Encoding.UTF8.GetBytes(k)))],
                NameClaimType = DisplayNameClaim,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            // Browsers cannot set headers on a WebSocket, so the hub also accepts the token in the query string.
            jwt.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    var token = context.Request.Query["access_token"];
                    if (!string.IsNullOrEmpty(token) && context.HttpContext.Request.Path.StartsWithSegments("/hubs", StringComparison.Ordinal))
                    {
                        context.Token = token;
                    }

                    return Task.CompletedTask;
                },
                // Only the user id and display name are ever read (ToActor); the validated principal also holds the
                // issuer, audience, times and the parsed token, which a connection would carry for its lifetime.
                OnTokenValidated = context =>
                {
                    context.Principal = Lean(context.Principal!, context.Scheme.Name);
                    return Task.CompletedTask;
                },
            };
        });
        return services;
    }

    /// <summary>
    /// The two claims the gateway reads, in a fresh identity that does not reference the token it came from. Every other
    /// claim of a user's token is dropped here: a future role or policy claim must be added to this list.
    /// </summary>
    public static ClaimsPrincipal Lean(ClaimsPrincipal validated, string authenticationType) =>
        new(new ClaimsIdentity(
            validated.Claims.Where(c => c.Type is UserIdClaim or DisplayNameClaim).Select(c => new Claim(c.Type, c.Value)),
            authenticationType, DisplayNameClaim, roleType: null));

    internal static SymmetricSecurityKey SigningKey(AuthOptions options) => new(Encoding.UTF8.GetBytes(options.SigningKey));

    /// <summary>The caller as the grains know it. Tokens are only ever minted with both claims, so their absence is a forged token.</summary>
    public static Actor ToActor(this ClaimsPrincipal user) =>
        new(user.FindFirst(UserIdClaim)?.Value ?? throw new CommunityException(ErrorCodes.Forbidden, "The token names no user."),
            user.FindFirst(DisplayNameClaim)?.Value ?? "");
}

/// <summary>Mints signed tokens (used by the development sign-in).</summary>
public sealed class TokenIssuer(IOptions<AuthOptions> options, TimeProvider clock)
{
    public string Issue(string userId, string displayName)
    {
        var o = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = o.Issuer,
            Audience = o.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + o.TokenLifetime,
            Claims = new Dictionary<string, object> { [AuthSetup.UserIdClaim] = userId, [AuthSetup.DisplayNameClaim] = displayName },
            SigningCredentials = new SigningCredentials(AuthSetup.SigningKey(o), SecurityAlgorithms.HmacSha256),
        });
    }
}
