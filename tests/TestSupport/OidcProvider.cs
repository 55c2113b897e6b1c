using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CommunityScale.TestSupport;

/// <summary>
/// An OpenID Connect provider on loopback, as small as a test needs: a discovery document, a JWKS with its RSA keys
/// (which a test can rotate), tokens signed with them, and for a browser an authorization endpoint that signs in
/// <see cref="SignInAs"/> at once and a token endpoint that insists on PKCE (S256).
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, PendingCode> _codes = new();
    private readonly ConcurrentQueue<string> _exchanges = new();
    private readonly List<RsaSecurityKey> _created = [];
    private volatile RsaSecurityKey[] _published;
    private int _jwksRequests;

    private OidcProvider(WebApplication app)
    {
        _app = app;
        CurrentKey = NewKey();
        _published = [CurrentKey];
    }

    /// <summary>The issuer, also the authority a gateway is configured with (no trailing slash).</summary>
    public string Issuer { get; private set; } = "";

    /// <summary>The audience of the access tokens it issues: what <c>Auth:Audience</c> must be.</summary>
    public string Audience { get; init; } = "api://communityscale";

    /// <summary>The only client the authorization endpoint serves.</summary>
    public string ClientId { get; init; } = "communityscale-web";

    /// <summary>The key new tokens are signed with.</summary>
    public RsaSecurityKey CurrentKey { get; private set; }

    /// <summary>How often the JWKS was fetched: a gateway that saw a new key id fetched it again.</summary>
    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    /// <summary>Who the authorization endpoint signs in: subject and claims (name, preferred_username…).</summary>
    public (string Subject, IReadOnlyDictionary<string, object> Claims) SignInAs { get; set; } = ("somebody", new Dictionary<string, object>());

    /// <summary>Each code exchanged at the token endpoint: "S256" when the verifier matched the challenge (nothing else is accepted).</summary>
    public IReadOnlyList<string> Exchanges => [.. _exchanges];

    public static async Task<OidcProvider> StartAsync(string? audience = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var provider = new OidcProvider(app) { Audience = audience ?? "api://communityscale" };
        provider.Map();
        await app.StartAsync();
        provider.Issuer = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First().TrimEnd('/');
        return provider;
    }

    /// <summary>
    /// A new signing key; the JWKS serves it alone, or (<paramref name="keepOld"/>) beside the keys it served before,
    /// as providers do ahead of and after a rollover.
    /// </summary>
    public RsaSecurityKey RotateKey(bool keepOld = false)
    {
        var key = NewKey();
        _published = keepOld ? [key, .. _published] : [key];
        CurrentKey = key;
        return key;
    }

    /// <summary>
    /// An access token for <paramref name="subject"/> (null: no <c>sub</c> claim) signed with <paramref name="key"/>
    /// (default the current one); issuer and audience may be overridden to make a foreign or misdirected token.
    /// </summary>
    public string Token(string? subject, IReadOnlyDictionary<string, object>? claims = null, string? issuer = null, string? audience = null,
        SecurityKey? key = null, DateTime? expires = null)
    {
        var now = DateTime.UtcNow;
        var all = new Dictionary<string, object>(claims ?? new Dictionary<string, object>());
        if (subject is not null)
        {
            all["sub"] = subject;
        }

        var end = expires ?? now.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience ?? Audience,
            IssuedAt = end.AddHours(-1),
            NotBefore = end.AddHours(-1),
            Expires = end,
            Claims = all,
            SigningCredentials = new SigningCredentials(key ?? CurrentKey, key is SymmetricSecurityKey ? SecurityAlgorithms.HmacSha256 : SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>A key the provider never published (a foreign signer).</summary>
    public RsaSecurityKey UnpublishedKey() => NewKey();

    private RsaSecurityKey NewKey()
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("n") };
        lock (_created)
        {
            _created.Add(key);
        }

        return key;
    }

    private void Map()
    {
        // A browser page on the gateway's origin fetches discovery and redeems its code here, as with real providers.
        _app.Use(async (http, next) =>
        {
            http.Response.Headers.AccessControlAllowOrigin = "*";
            if (HttpMethods.IsOptions(http.Request.Method))
            {
                http.Response.Headers.AccessControlAllowHeaders = "*";
                http.Response.Headers.AccessControlAllowMethods = "GET, POST";
                http.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }

            await next(http);
        });

        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["authorization_endpoint"] = $"{Issuer}/authorize",
            ["token_endpoint"] = $"{Issuer}/token",
            ["jwks_uri"] = $"{Issuer}/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        }));

        _app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref _jwksRequests);
            return Results.Json(new
            {
                keys = _published.Select(k =>
                {
                    var p = k.Rsa.ExportParameters(false);
                    return new { kty = "RSA", use = "sig", alg = "RS256", kid = k.KeyId, n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) };
                }),
            });
        });

        // Signs in SignInAs straight away (no login page) and remembers the challenge for the token endpoint.
        _app.MapGet("/authorize", (HttpRequest request) =>
        {
            var q = request.Query;
            if (q["client_id"] != ClientId || q["response_type"] != "code" || q["code_challenge_method"] != "S256"
                || string.IsNullOrEmpty(q["code_challenge"]) || string.IsNullOrEmpty(q["state"]) || !Uri.TryCreate(q["redirect_uri"], UriKind.Absolute, out var redirect))
            {
                return Results.BadRequest("invalid_request: client_id, response_type=code, S256 code_challenge, state and redirect_uri are required");
            }

            var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            _codes[code] = new PendingCode(q["code_challenge"]!, redirect.ToString(), q["nonce"].ToString(), SignInAs.Subject, SignInAs.Claims);
            var separator = string.IsNullOrEmpty(redirect.Query) ? "?" : "&";
            return Results.Redirect($"{redirect}{separator}code={code}&state={Uri.EscapeDataString(q["state"]!)}");
        });

        _app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            if (form["grant_type"] != "authorization_code" || form["client_id"] != ClientId || !_codes.TryRemove(form["code"].ToString(), out var pending))
            {
                return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
            }

            var verifier = form["code_verifier"].ToString();
            var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
            if (verifier.Length < 43 || challenge != pending.Challenge || form["redirect_uri"] != pending.RedirectUri)
            {
                return Results.Json(new { error = "invalid_grant", error_description = "PKCE verifier or redirect_uri does not match" }, statusCode: 400);
            }

            _exchanges.Enqueue("S256");
            var idClaims = new Dictionary<string, object>(pending.Claims) { ["nonce"] = pending.Nonce };
            return Results.Json(new
            {
                access_token = Token(pending.Subject, pending.Claims),
                id_token = Token(pending.Subject, idClaims, audience: ClientId),
                token_type = "Bearer",
                expires_in = 3600,
            });
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        lock (_created)
        {
            foreach (var key in _created)
            {
                key.Rsa.Dispose();
            }
        }
    }

    private sealed record PendingCode(string Challenge, string RedirectUri, string Nonce, string Subject, IReadOnlyDictionary<string, object> Claims);
}
