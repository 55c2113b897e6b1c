using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Gateway.Auth;

/// <summary>JWT settings, bound from the <c>Auth</c> section. The signing key must come from configuration, never code.</summary>
public sealed class AuthOptions
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

    public string Issuer { get; set; } = "communityscale";

    public string Audience { get; set; } = "communityscale";

    /// <summary>Serves <c>POST /api/auth/dev-token</c>, which signs in anyone as anyone: development only.</summary>
    public bool DevTokens { get; set; }

    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);
}
