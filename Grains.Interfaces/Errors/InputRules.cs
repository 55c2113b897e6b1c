using System.Text.RegularExpressions;

namespace CommunityScale.Errors;

/// <summary>Checks every identifier and bounded value that comes from outside before it reaches a grain key or state.</summary>
public static partial class InputRules
{
    public const int MaxIdLength = 64;
    public const int MaxNameLength = 100;
    public const int MaxClientMessageIdLength = 64;
    public const int MaxPageLimit = 200;

    [GeneratedRegex("^[a-z0-9-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    public static string RequireId(string? id, string what) =>
        IsValidId(id) ? id! : throw CommunityException.Invalid($"{what} must match [a-z0-9-]{{1,64}}.");

    public static string RequireName(string? name, string what)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw CommunityException.Invalid($"{what} must not be empty.");
        }

        if (trimmed.Length > MaxNameLength || trimmed.Any(char.IsControl))
        {
            throw CommunityException.Invalid($"{what} must be at most {MaxNameLength} printable characters.");
        }

        return trimmed;
    }

    public static string RequireClientMessageId(string? clientMessageId) =>
        clientMessageId is { Length: > 0 and <= MaxClientMessageIdLength } && !clientMessageId.Any(char.IsControl)
            ? clientMessageId
            : throw CommunityException.Invalid($"clientMessageId must be 1 to {MaxClientMessageIdLength} printable characters.");

    public static long RequireAfterSeq(long? afterSeq) =>
        afterSeq is null or >= 0 ? afterSeq ?? 0 : throw CommunityException.Invalid("afterSeq must not be negative.");

    public static int RequireLimit(int? limit, int fallback) =>
        limit is null ? fallback
        : limit is >= 1 and <= MaxPageLimit ? limit.Value
        : throw CommunityException.Invalid($"limit must be between 1 and {MaxPageLimit}.");
}
