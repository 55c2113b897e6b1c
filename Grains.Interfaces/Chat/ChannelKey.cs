namespace CommunityScale.Chat;

/// <summary>A channel's identity; its string form <c>community/channel</c> keys the channel's grains and stream.</summary>
[GenerateSerializer, Immutable, Alias("cs.ChannelKey")]
public readonly record struct ChannelKey([property: Id(0)] string CommunityId, [property: Id(1)] string ChannelId)
{
    public override string ToString() => $"{CommunityId}/{ChannelId}";

    public static ChannelKey Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 ? throw new FormatException($"'{key}' is not a channel key.") : new(key[..slash], key[(slash + 1)..]);
    }
}
