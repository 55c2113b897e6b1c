using CommunityScale.Streams;

namespace CommunityScale.Gateway.Relay;

/// <summary>
/// Decides whether a stream event reaches the relay. Production relays everything; the fault tests register a filter
/// that drops chosen events, to prove that clients still receive every message through gap filling.
/// </summary>
public interface IChannelEventFilter
{
    bool ShouldRelay(ChannelStreamEvent streamEvent);
}

public sealed class RelayEveryEvent : IChannelEventFilter
{
    public bool ShouldRelay(ChannelStreamEvent streamEvent) => true;
}
