using CommunityScale.FollowUps;

namespace CommunityScale.Events;

[GenerateSerializer, Alias("cs.EventState")]
public sealed class EventState
{
    [Id(0)] public CommunityEvent? Event { get; set; }

    [Id(1)] public HashSet<string> Going { get; set; } = new(StringComparer.Ordinal);

    /// <summary>In order of arrival: the first is promoted when a place frees up.</summary>
    [Id(2)] public List<string> Waitlist { get; set; } = [];

    [Id(3)] public HashSet<string> CheckedIn { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Sessions (or the event itself, as "") whose going members have been reminded.</summary>
    [Id(4)] public HashSet<string> Reminded { get; set; } = new(StringComparer.Ordinal);

    /// <summary>RSVP and check-in webhooks, promotion notices and check-in points still owed.</summary>
    [Id(5)] public OutboxState Outbox { get; set; } = new();
}
