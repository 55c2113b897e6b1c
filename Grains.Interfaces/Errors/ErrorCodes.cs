namespace CommunityScale.Errors;

/// <summary>The stable error codes of the public contract (docs/api.md). Clients switch on these, so never rename one.</summary>
public static class ErrorCodes
{
    public const string RateLimited = "rate_limited";
    public const string SlowMode = "slow_mode";
    public const string Forbidden = "forbidden";
    public const string NotMember = "not_member";
    public const string Muted = "muted";
    public const string Banned = "banned";
    public const string BlockedContent = "blocked_content";
    public const string TooLong = "too_long";
    public const string NotFound = "not_found";
    public const string Invalid = "invalid";
    public const string AlreadyExists = "already_exists";
    public const string Unavailable = "unavailable";
    public const string ConsentRequired = "consent_required";
}
