using CommunityScale.Errors;

namespace CommunityScale.Chat;

/// <summary>What makes a chat text acceptable before any moderation: not blank, within the channel's limit.</summary>
public static class MessageRules
{
    public static string RequireText(string? text, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw CommunityException.Invalid("The message text is empty.");
        }

        if (text.Length > maxLength)
        {
            throw new CommunityException(ErrorCodes.TooLong, $"The message has {text.Length} characters; this channel allows {maxLength}.");
        }

        return text;
    }
}
