using CommunityScale.Chat;

namespace CommunityScale.Streams;

/// <summary>The stream provider and namespaces of ARCHITECTURE.md's fan-out.</summary>
public static class StreamNames
{
    /// <summary>The stream provider registered on silos and gateways alike.</summary>
    public const string Provider = "chat";

    public const string ChannelNamespace = "channel";

    public static StreamId ForChannel(ChannelKey key) => StreamId.Create(ChannelNamespace, key.ToString());
}

/// <summary>The grain storage names the silo must register.</summary>
public static class StorageNames
{
    public const string Main = "main";
    public const string PubSub = "PubSubStore";
}
