using System.Globalization;

namespace CommunityScale.Posting;

/// <summary>
/// The ids that name where points and notices came from. Receivers de-duplicate on them (an award, a notice), and
/// erasure and take-backs find them again, so each is formatted here only, never where it is used.
/// </summary>
public static class SourceIds
{
    public static string ChatMessage(string messageId) => $"msg:{messageId}";

    public static string Thread(string threadId) => $"thread:{threadId}";

    public static string Post(string postId) => $"post:{postId}";

    public static string Mention(string postId) => $"mention:{postId}";

    public static string Reaction(string contentId, string reactor, string emoji) => $"reaction:{contentId}:{reactor}:{emoji}";

    public static string AcceptedAnswer(string postId) => $"accepted:{postId}";

    public static string IdeaStatus(string threadId, long version) => $"{IdeaStatusPrefix(threadId)}{version.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Every status notice of one idea (the inbox reads a trailing ':' as a prefix).</summary>
    public static string IdeaStatusPrefix(string threadId) => $"idea:{threadId}:";
}
