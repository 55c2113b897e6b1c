namespace CommunityScale.Gateway.Auth;

/// <summary>JWT settings, bound from the <c>Auth</c> section. The signing key must come from configuration, never code.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>HMAC-SHA256 key for issuing and validating tokens; at least 32 characters.</summary>
    public string SigningKey { get; set; } = "";

    public string Issuer { get; set; } = "communityscale";

    public string Audience { get; set; } = "communityscale";

    /// <summary>Serves <c>POST /api/auth/dev-token</c>, which signs in anyone as anyone: development only.</summary>
    public bool DevTokens { get; set; }

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);
}
