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

    /// <summary>The scheme for the organisation's OpenID Connect provider (with <c>Auth:Authority</c>); the gateway's own tokens keep <see cref="JwtBearerDefaults.AuthenticationScheme"/>.</summary>
    public const string ProviderScheme = "Provider";
    private const string Selector = "JwtOrApiToken";

    public static IServiceCollection AddCommunityAuth(this IServiceCollection services, IConfiguration config)
    {
        var options = config.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (options.SigningKey.Length < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be set to at least 32 characters (the JWT signing key).");
        }

        var provider = !string.IsNullOrWhiteSpace(options.Authority);
        services.AddValidatedOptions<AuthOptions>(config, AuthOptions.Section);
        services.AddSingleton<TokenIssuer>();
        services.AddAuthorization();
        services.AddReleasableRequestAuth();
        // One entry point: a bearer that looks like an API token goes to its handler; a JWT goes to the gateway's own
        // scheme when it names the gateway's issuer, else to the provider's. Each token meets exactly one validator, with
        // its own keys, issuer and claim mapping: an HMAC key never validates a token claiming the provider's issuer,
        // and the provider's keys never validate one claiming ours.
        var authentication = services.AddAuthentication(Selector)
            .AddPolicyScheme(Selector, "JWT or API token", policy => policy.ForwardDefaultSelector = http =>
                ApiTokenAuthenticationHandler.TokenOf(http.Request) is not null ? ApiTokenAuthenticationHandler.SchemeName
                : provider && !IsIssuedBy(BearerOf(http.Request), options.Issuer) ? ProviderScheme
                : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false;
            // A hub connection keeps its request's principal for as long as it is open (the ticket is let go once
            // authorized, HubRequestRelease): keep neither the raw token nor the parsed one in it (measured: ≈ 5 KB of
            // claims, token objects and strings per connection).
            jwt.SaveToken = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = options.Issuer,
                ValidAudience = options.Audience,
                IssuerSigningKeys = [SigningKey(options), .. options.PreviousSigningKeys.Where(k => k.Length >= 32).Select(k => new SymmetricSecurityKey(Encoding.UTF8.GetBytes(k)))],
                NameClaimType = DisplayNameClaim,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            jwt.Events = new JwtBearerEvents
            {
                OnMessageReceived = TokenFromHubQuery,
                // Only the user id and display name are ever read (ToActor); the validated principal also holds the
                // issuer, audience, times and the parsed token, which a connection would carry for its lifetime.
                OnTokenValidated = context =>
                {
                    context.Principal = Lean(context.Principal!, context.Scheme.Name);
                    return Task.CompletedTask;
                },
            };
        });

        // The gateway's own tokens stay valid beside the provider's: the signing key is a required secret either way,
        // development sign-in (Auth:DevTokens) and the load generator mint with it, and a deployment moving to its
        // provider keeps its sessions until they expire. Routing by issuer (above) keeps the two apart.
        if (provider)
        {
            authentication.AddJwtBearer(ProviderScheme, jwt =>
            {
                jwt.Authority = options.Authority;
                jwt.RequireHttpsMetadata = options.RequireHttpsMetadata;
                // Discovery and keys come from JwtBearer's ConfigurationManager: fetched on first use, again every
                // AutomaticRefreshInterval, and at once when a token names a key it does not know (the provider rotated
                // its keys), at most once per RefreshInterval, so made-up key ids cannot hammer the provider.
                jwt.RefreshOnIssuerKeyNotFound = true;
                jwt.RefreshInterval = options.RefreshInterval;
                jwt.AutomaticRefreshInterval = options.AutomaticRefreshInterval;
                jwt.MapInboundClaims = false;
                jwt.SaveToken = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    // The issuer and signing keys come from the discovery document.
                    ValidAudience = options.Audience,
                    NameClaimType = DisplayNameClaim,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                jwt.Events = new JwtBearerEvents
                {
                    OnMessageReceived = TokenFromHubQuery,
                    // The provider's claims become the two the gateway reads; a token whose user claim is no usable
                    // user id (it would name grains) is refused here, with 401, before any endpoint sees it.
                    OnTokenValidated = context =>
                    {
                        var mapped = ProviderClaims.Map(context.Principal!, context.SecurityToken.Issuer, options);
                        if (mapped.Refusal is { } refusal)
                        {
                            ProviderClaims.LogRefused(context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProviderClaims)), refusal);
                            context.Fail(refusal);
                        }
                        else
                        {
                            context.Principal = Principal(mapped.Actor!, context.Scheme.Name);
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        }

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

    /// <summary>A principal of the same shape as <see cref="Lean"/>'s, for a caller known by other claims.</summary>
    public static ClaimsPrincipal Principal(Actor actor, string authenticationType) =>
        new(new ClaimsIdentity([new Claim(UserIdClaim, actor.UserId), new Claim(DisplayNameClaim, actor.DisplayName)], authenticationType, DisplayNameClaim, roleType: null));

    internal static SymmetricSecurityKey SigningKey(AuthOptions options) => new(Encoding.UTF8.GetBytes(options.SigningKey));

    /// <summary>The caller as the grains know it. Tokens are only ever minted with both claims, so their absence is a forged token.</summary>
    public static Actor ToActor(this ClaimsPrincipal user) =>
        new(user.FindFirst(UserIdClaim)?.Value ?? throw new CommunityException(ErrorCodes.Forbidden, "The token names no user."),
            user.FindFirst(DisplayNameClaim)?.Value ?? "");

    // Browsers cannot set headers on a WebSocket, so the hub also accepts the token in the query string.
    private static Task TokenFromHubQuery(MessageReceivedContext context)
    {
        var token = context.Request.Query["access_token"];
        if (!string.IsNullOrEmpty(token) && context.HttpContext.Request.Path.StartsWithSegments("/hubs", StringComparison.Ordinal))
        {
            context.Token = token;
        }

        return Task.CompletedTask;
    }

    /// <summary>The bearer token of a request, where JwtBearer will look for it (the header, or the hub's query string).</summary>
    private static string? BearerOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        var query = request.Query["access_token"].ToString();
        return query.Length > 0 && request.Path.StartsWithSegments("/hubs", StringComparison.Ordinal) ? query : null;
    }

    /// <summary>
    /// Whether a JWT names <paramref name="issuer"/>, read without validating: it only picks the scheme that validates it.
    /// No token, or not a JWT, counts as ours, so the refusal (and the challenge) come from the gateway's own scheme.
    /// </summary>
    private static bool IsIssuedBy(string? token, string issuer)
    {
        if (token is null || !JwtHandler.CanReadToken(token))
        {
            return true;
        }

        try
        {
            return string.Equals(new JsonWebToken(token).Issuer, issuer, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenMalformedException)
        {
            return true;
        }
    }

    private static readonly JsonWebTokenHandler JwtHandler = new();
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
