using System.Text.RegularExpressions;
using CommunityScale.Access;

namespace CommunityScale.Posting;

/// <summary>
/// <c>@everyone</c> and <c>@here</c>, Discord's mentions of everybody, in chat messages and forum posts alike. They count
/// only for an author holding <see cref="Permissions.MentionEveryone"/> where they write; without it the text is
/// accepted and the mention is inert (Discord's behaviour, so a member is not refused for quoting one).
/// </summary>
public static partial class EveryoneMention
{
    // A whole token: not after a word character or '@' (an e-mail address such as "a@everyone.com" is not one), and not
    // going on as a longer id ("@everyones", "@here-team": ids are letters, digits and hyphens). Lower case only, as
    // Discord: "@Everyone" is plain text.
    [GeneratedRegex(@"(?<![\w@])@(everyone|here)(?![\w-])", RegexOptions.CultureInvariant)]
    private static partial Regex Token();

    /// <summary>Whether the text names everybody, whoever wrote it. Code is quoted, not said: a mention inside `code` or a ``` block does not count (as for @id mentions).</summary>
    public static bool In(string text) => text.Contains('@', StringComparison.Ordinal) && Token().IsMatch(Threads.Mentions.WithoutCode(text));

    /// <summary>Whether the text mentions everybody for an author who may do <paramref name="allowed"/> where it is posted.</summary>
    public static bool Counts(Permissions allowed, string text) => allowed.HasFlag(Permissions.MentionEveryone) && In(text);

    /// <summary>The reserved names, which are never a member's id in a mention.</summary>
    public static bool IsReserved(string id) => id is "everyone" or "here";
}
