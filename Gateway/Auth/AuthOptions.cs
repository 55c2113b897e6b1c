using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Gateway.Auth;

/// <summary>JWT settings, bound from the <c>Auth</c> section. The signing key must come from configuration, never code.</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>HMAC-SHA256 key for issuing and validating tokens; at least 32 characters.</summary>
    [Required, MinLength(32, ErrorMessage = "Auth:SigningKey must be at least 32 characters.")]
    public string SigningKey { get; set; } = "";

    /// <summary>
    /// Keys that still validate tokens but sign none: put the old key here when rotating <see cref="SigningKey"/>, and
    /// remove it once the tokens it signed have expired (<see cref="TokenLifetime"/>), so nobody is logged out.
    /// </summary>
    public string[] PreviousSigningKeys { get; set; } = [];

    /// <summary>The issuer of the gateway's own (HMAC) tokens; a bearer naming any other issuer goes to the OpenID Connect provider.</summary>
    public string Issuer { get; set; } = "communityscale";

    /// <summary>The audience every accepted token must name: the gateway's own and, with <see cref="Authority"/>, the provider's access tokens.</summary>
    public string Audience { get; set; } = "communityscale";

    /// <summary>Serves <c>POST /api/auth/dev-token</c>, which signs in anyone as anyone: development only.</summary>
    public bool DevTokens { get; set; }

    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// The organisation's OpenID Connect provider (its issuer URL, e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c>,
    /// <c>https://keycloak.example.org/realms/fans</c>, <c>https://example.eu.auth0.com/</c>). When set, the gateway also
    /// accepts the provider's access tokens, with keys from its discovery document.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>Refuse discovery and key documents over plain http. Only a loopback test provider has a reason to turn it off.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// The shortest time between two fetches of the provider's metadata caused by a token whose key is unknown (a key
    /// rotation): JwtBearer's <c>RefreshInterval</c>. It bounds what tokens with made-up key ids can cost the provider.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the provider's metadata and keys are fetched anyway: JwtBearer's <c>AutomaticRefreshInterval</c> (at least its 5 min floor).</summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")]
    public TimeSpan AutomaticRefreshInterval { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The provider's claim that identifies a person (Entra ID: <c>oid</c>; Keycloak and Auth0: <c>sub</c>).</summary>
    [Required(AllowEmptyStrings = false)]
    public string UserIdClaim { get; set; } = "sub";

    /// <summary>How <see cref="UserIdClaim"/> becomes a user id; see <see cref="ProviderUserIds"/>.</summary>
    public ProviderUserIds UserIds { get; set; } = ProviderUserIds.Verbatim;

    /// <summary>The provider's claim for the name others see; <c>preferred_username</c>, then <c>email</c>, then the user id stand in.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DisplayNameClaim { get; set; } = "name";

    /// <summary>The web app's client id at the provider (a public client: Authorization Code with PKCE, no secret). Unset: no provider sign-in in the web app.</summary>
    public string? ClientId { get; set; }

    /// <summary>The scopes the web app asks for; one of them must make the provider issue an access token for <see cref="Audience"/>.</summary>
    public string Scopes { get; set; } = "openid profile email";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Authority))
        {
            if (!string.IsNullOrWhiteSpace(ClientId))
            {
                yield return new ValidationResult("Auth:ClientId needs Auth:Authority (the provider the web app signs in with).", [nameof(ClientId)]);
            }

            yield break;
        }

        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || (authority.Scheme != Uri.UriSchemeHttps && authority.Scheme != Uri.UriSchemeHttp))
        {
            yield return new ValidationResult("Auth:Authority must be an absolute https URL (the provider's issuer).", [nameof(Authority)]);
        }
        else if (authority.Scheme == Uri.UriSchemeHttp && RequireHttpsMetadata)
        {
            yield return new ValidationResult("Auth:Authority must be https (Auth:RequireHttpsMetadata=false allows http, for a loopback test provider only).", [nameof(Authority)]);
        }

        // The gateway tells its own tokens from the provider's by the issuer (AuthSetup): the two must differ.
        if (string.Equals(Authority.TrimEnd('/'), Issuer.TrimEnd('/'), StringComparison.Ordinal))
        {
            yield return new ValidationResult("Auth:Issuer (the gateway's own tokens) must differ from Auth:Authority.", [nameof(Issuer)]);
        }

        if (string.IsNullOrWhiteSpace(Scopes) && !string.IsNullOrWhiteSpace(ClientId))
        {
            yield return new ValidationResult("Auth:Scopes must not be empty when Auth:ClientId is set.", [nameof(Scopes)]);
        }
    }
}

/// <summary>How a provider's user claim becomes a user id, which names grains and must match <c>[a-z0-9-]{1,64}</c>. Choose once: a change gives everyone a new id.</summary>
public enum ProviderUserIds
{
    /// <summary>
    /// The claim is the user id. A value that is not a valid id (upper case, <c>|</c>, too long, <c>bot-…</c>) is refused
    /// with 401, never lower-cased or trimmed: that could make two of the provider's accounts one of ours. Fits
    /// Keycloak's <c>sub</c> and Entra ID's <c>oid</c> (GUIDs).
    /// </summary>
    Verbatim,

    /// <summary>
    /// The user id is <c>u-</c> and 32 hex digits of SHA-256 over issuer and claim: any claim value works (Auth0's
    /// <c>auth0|…</c>, Entra ID's <c>sub</c>), ids are stable per issuer, but say nothing to a reader.
    /// </summary>
    Hashed,
}
