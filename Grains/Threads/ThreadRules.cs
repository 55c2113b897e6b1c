using System.Text.RegularExpressions;
using CommunityScale.Errors;

namespace CommunityScale.Threads;

/// <summary>The bounds of the forum's input, checked before anything is stored.</summary>
public static partial class ThreadRules
{
    public const int MaxTitleLength = 200;
    public const int MaxBodyLength = 20_000;
    public const int MaxTags = 5;
    public const int MaxTagLength = 30;

    /// <summary>Posts per stored page: a reply rewrites one page, never the whole thread.</summary>
    public const int PageSize = 50;

    /// <summary>Like Discourse's auto-close: a thread this long takes no more replies (start a new one).</summary>
    public const int MaxPosts = 10_000;

    /// <summary>Mentions that notify per post; further ones stay plain text.</summary>
    public const int MaxMentionsNotified = 10;

    public const int MaxReactions = 20;
    public const int MaxEmojiLength = 32;

    [GeneratedRegex("^[a-z0-9-]{1,30}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[a-z0-9_+-]{1,32}$", RegexOptions.CultureInvariant)]
    private static partial Regex EmojiPattern();

    public static string RequireTitle(string? title)
    {
        var trimmed = title?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw CommunityException.Invalid("The title is empty.");
        }

        if (trimmed.Length > MaxTitleLength)
        {
            throw new CommunityException(ErrorCodes.TooLong, $"The title has {trimmed.Length} characters; at most {MaxTitleLength} are allowed.");
        }

        return trimmed.Any(char.IsControl) ? throw CommunityException.Invalid("The title must not contain control characters.") : trimmed;
    }

    public static string RequireBody(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            throw CommunityException.Invalid("The post is empty.");
        }

        return body.Length > MaxBodyLength
            ? throw new CommunityException(ErrorCodes.TooLong, $"The post has {body.Length} characters; at most {MaxBodyLength} are allowed.")
            : body;
    }

    /// <summary>Lower-cased, de-duplicated, at most <see cref="MaxTags"/>, each [a-z0-9-]{1,30}.</summary>
    public static IReadOnlyList<string> RequireTags(IReadOnlyList<string>? tags)
    {
        var result = (tags ?? []).Select(t => (t ?? "").Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        if (result.Count > MaxTags)
        {
            throw CommunityException.Invalid($"A thread has at most {MaxTags} tags.");
        }

        return result.Find(t => !TagPattern().IsMatch(t)) is { } bad
            ? throw CommunityException.Invalid($"Tag '{Shorten(bad)}' must match [a-z0-9-]{{1,{MaxTagLength}}}.")
            : result;
    }

    public static bool IsTag(string? tag) => tag is not null && TagPattern().IsMatch(tag);

    /// <summary>A reaction set an admin configures: 1–20 distinct short names such as <c>+1</c> or <c>tada</c>.</summary>
    public static IReadOnlyList<string> RequireReactionSet(IReadOnlyList<string>? reactions)
    {
        var result = (reactions ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (result.Count is 0 or > MaxReactions)
        {
            throw CommunityException.Invalid($"Give 1 to {MaxReactions} reactions.");
        }

        return result.Find(r => r is null || !EmojiPattern().IsMatch(r)) is { } bad
            ? throw CommunityException.Invalid($"Reaction '{Shorten(bad ?? "")}' must match [a-z0-9_+-]{{1,{MaxEmojiLength}}}.")
            : result;
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";

    /// <summary>An idea's status as notices say it.</summary>
    public static string StatusName(IdeaStatus status) => status switch
    {
        IdeaStatus.UnderReview => "under review",
        IdeaStatus.Planned => "planned",
        IdeaStatus.Shipped => "shipped",
        IdeaStatus.Declined => "declined",
        _ => "open",
    };
}
