using System.Text.RegularExpressions;

namespace CommunityScale.Threads;

/// <summary>Finds <c>@user-id</c> mentions in a post; which of them are members is for the thread grain to ask.</summary>
public static partial class Mentions
{
    // Not after a word character (so e-mail addresses are not mentions), and a whole id.
    [GeneratedRegex(@"(?<![\w@])@([a-z0-9-]{1,64})(?![a-z0-9-])", RegexOptions.CultureInvariant)]
    private static partial Regex MentionPattern();

    /// <summary>Distinct candidate ids in order of appearance, outside code spans and blocks, at most <paramref name="max"/>.</summary>
    public static IReadOnlyList<string> Find(string markdown, int max)
    {
        var text = CodePattern().Replace(markdown, " ");
        return [.. MentionPattern().Matches(text).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).Take(max)];
    }

    [GeneratedRegex(@"```[\s\S]*?(```|$)|`[^`\n]*`", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();
}
