using CommunityScale.Chat;
using CommunityScale.Streams;

namespace CommunityScale.Gateway.Hubs;

/// <summary>The server → client events of <c>/hubs/community</c> (docs/api.md).</summary>
public interface ICommunityClient
{
    Task ChannelMessage(ChatMessage message);

    Task Presence(PresenceChanged presence);

    Task MessageRemoved(MessageRemovedNotice removed);
}

public sealed record JoinChannelResult(long LastSeq, IReadOnlyList<ChatMessage> Messages, bool HasMore);
