using System.Text.RegularExpressions;
using CommunityScale.Communities;

namespace CommunityScale.Threads;

/// <summary>Finds <c>@user-id</c> mentions in a post, and which of them are members.</summary>
public static partial class Mentions
{
    // Not after a word character (so e-mail addresses are not mentions), and a whole id.
    [GeneratedRegex(@"(?<![\w@])@([a-z0-9-]{1,64})(?![a-z0-9-])", RegexOptions.CultureInvariant)]
    private static partial Regex MentionPattern();

    /// <summary>Distinct candidate ids in order of appearance, outside code spans and blocks, at most <paramref name="max"/>.</summary>
    public static IReadOnlyList<string> Find(string markdown, int max)
    {
        var text = WithoutCode(markdown);
        // @everyone and @here are the mention of everybody (EveryoneMention), never a member of that id.
        return [.. MentionPattern().Matches(text).Select(m => m.Groups[1].Value).Where(id => !Posting.EveryoneMention.IsReserved(id))
            .Distinct(StringComparer.Ordinal).Take(max)];
    }

    /// <summary>The mentioned ids that are members of the community (others stay plain text), never the author, at most <see cref="ThreadRules.MaxMentionsNotified"/>.</summary>
    public static async Task<IReadOnlyList<string>> Members(IGrainFactory grains, string communityId, string markdown, string authorId)
    {
        var candidates = Find(markdown, ThreadRules.MaxMentionsNotified).Where(id => id != authorId).ToList();
        var members = await Task.WhenAll(candidates.Select(id => grains.Member(communityId, id).Get()));
        return [.. candidates.Where((_, i) => members[i] is not null)];
    }

    /// <summary>The text with its code spans and blocks blanked: what is quoted there mentions nobody.</summary>
    public static string WithoutCode(string markdown) => CodePattern().Replace(markdown, " ");

    [GeneratedRegex(@"```[\s\S]*?(```|$)|`[^`\n]*`", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();
}
