using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Integrations;

namespace CommunityScale.Gateway.Auth;

/// <summary>
/// Turns a validated token of the organisation's OpenID Connect provider into the caller as the grains know them: a user
/// id (<c>Auth:UserIdClaim</c>, mapped by <c>Auth:UserIds</c>) and a display name (<c>Auth:DisplayNameClaim</c>).
/// </summary>
public static partial class ProviderClaims
{
    public const string HashedPrefix = "u-";

    /// <summary>Stands in for a missing or unusable display-name claim. Not <c>email</c>: every member would see the address.</summary>
    public const string FallbackNameClaim = "preferred_username";

    /// <summary>The caller, or why the token cannot sign anyone in (the user claim is missing or no valid user id).</summary>
    public static (Actor? Actor, string? Refusal) Map(ClaimsPrincipal validated, string issuer, AuthOptions options)
    {
        var claim = options.UserIdClaim;
        var value = validated.FindFirst(claim)?.Value;
        if (string.IsNullOrEmpty(value))
        {
            return (null, $"The token has no '{claim}' claim (Auth:UserIdClaim).");
        }

        string userId;
        if (options.UserIds == ProviderUserIds.Hashed)
        {
            userId = Hashed(issuer, value);
        }
        else if (!InputRules.IsValidId(value))
        {
            return (null, $"The token's '{claim}' claim is not a user id ([a-z0-9-]{{1,64}}); choose another Auth:UserIdClaim or Auth:UserIds=Hashed.");
        }
        else if (ApiTokenFormat.IsBot(value))
        {
            return (null, $"The token's '{claim}' claim starts with '{ApiTokenFormat.BotUserPrefix}', which is reserved for bots.");
        }
        else
        {
            userId = value;
        }

        var name = new[] { options.DisplayNameClaim, FallbackNameClaim }
            .Select(type => validated.FindFirst(type)?.Value?.Trim())
            .FirstOrDefault(IsName) ?? userId;
        return (new Actor(userId, name), null);
    }

    /// <summary>
    /// <c>u-</c> and 128 bits of SHA-256 over issuer and claim: a subject is only unique within its issuer, and a
    /// fixed-length hex id fits the id rule whatever the provider puts in the claim.
    /// </summary>
    public static string Hashed(string issuer, string value) =>
        HashedPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{issuer}\n{value}")))[..32];

    // The dev-token endpoint's rule for names (InputRules.RequireName), as a test instead of a refusal: a bad name falls back.
    private static bool IsName(string? name) =>
        name is { Length: > 0 and <= InputRules.MaxNameLength } && !name.Any(char.IsControl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A token of the OpenID Connect provider was refused: {Reason}")]
    public static partial void LogRefused(ILogger logger, string reason);
}
