using CommunityScale.Communities;

namespace CommunityScale.Events;

/// <summary>A session on an event's agenda; <see cref="ChannelId"/> is its own live chat channel.</summary>
[GenerateSerializer, Immutable, Alias("cs.EventSession")]
public sealed record EventSession(
    [property: Id(0)] string Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string Track,
    [property: Id(3)] IReadOnlyList<string> Speakers,
    [property: Id(4)] DateTimeOffset StartsAt,
    [property: Id(5)] DateTimeOffset EndsAt,
    [property: Id(6)] string ChannelId);

/// <summary>A virtual community event: its window, capacity and agenda, with the RSVP counts.</summary>
[GenerateSerializer, Immutable, Alias("cs.CommunityEvent")]
public sealed record CommunityEvent(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string Id,
    [property: Id(2)] string Title,
    [property: Id(3)] string Description,
    [property: Id(4)] DateTimeOffset StartsAt,
    [property: Id(5)] DateTimeOffset EndsAt,
    [property: Id(6)] int Capacity,
    [property: Id(7)] IReadOnlyList<EventSession> Sessions,
    [property: Id(8)] string OrganiserId,
    [property: Id(9)] int Going,
    [property: Id(10)] int Waitlisted,
    [property: Id(11)] int CheckedIn,
    [property: Id(12)] int ReminderMinutes = 0);

[GenerateSerializer, Immutable, Alias("cs.NewSession")]
public sealed record NewSession(
    [property: Id(0)] string Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string? Track,
    [property: Id(3)] IReadOnlyList<string>? Speakers,
    [property: Id(4)] DateTimeOffset StartsAt,
    [property: Id(5)] DateTimeOffset EndsAt);

/// <summary><c>POST /api/communities/{c}/events</c> (admins organise).</summary>
[GenerateSerializer, Immutable, Alias("cs.NewEvent")]
public sealed record NewEvent(
    [property: Id(0)] string Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string? Description,
    [property: Id(3)] DateTimeOffset StartsAt,
    [property: Id(4)] DateTimeOffset EndsAt,
    [property: Id(5)] int Capacity,
    [property: Id(6)] IReadOnlyList<NewSession>? Sessions,
    [property: Id(7)] int? ReminderMinutes = null);

public enum RsvpStatus
{
    None = 0,
    Going = 1,
    Waitlisted = 2,
}

/// <summary>A member's place: going, or waitlisted at <see cref="WaitlistPosition"/> (1 = next to be promoted).</summary>
[GenerateSerializer, Immutable, Alias("cs.RsvpState")]
public sealed record RsvpState(
    [property: Id(0)] string EventId,
    [property: Id(1)] RsvpStatus Status,
    [property: Id(2)] int? WaitlistPosition,
    [property: Id(3)] bool CheckedIn);

/// <summary>The payload of the <c>event.rsvp</c> and <c>event.checkin</c> webhooks.</summary>
[GenerateSerializer, Immutable, Alias("cs.RsvpChange")]
public sealed record RsvpChange([property: Id(0)] string CommunityId, [property: Id(1)] string UserId, [property: Id(2)] RsvpState Rsvp);

/// <summary>One event (key: <c>community/eventId</c>): agenda, RSVPs with capacity and a waitlist, check-in.</summary>
[Alias("cs.IEventGrain")]
public interface IEventGrain : IGrainWithStringKey, Privacy.IHoldsMemberData
{
    [Alias("Create")]
    Task<CommunityEvent> Create(NewEvent newEvent, Actor organiser);

    [Alias("Get")]
    Task<CommunityEvent> Get();

    /// <summary>Going if there is room, else waitlisted (not an error); again: unchanged.</summary>
    [Alias("Rsvp")]
    Task<RsvpState> Rsvp(Actor member);

    /// <summary>Gives the place up; the first on the waitlist is promoted and notified.</summary>
    [Alias("Cancel")]
    Task<RsvpState> Cancel(Actor member);

    [Alias("GetRsvp")]
    Task<RsvpState> GetRsvp(string userId);

    /// <summary>The session of this event with that id, or <c>not_found</c> (for the Q&amp;A, polls and the hub).</summary>
    [Alias("RequireSession")]
    Task<EventSession> RequireSession(string sessionId);

    /// <summary>During the event's window, for those going; earns <c>event_checkin</c> points once.</summary>
    [Alias("CheckIn")]
    Task<RsvpState> CheckIn(Actor member);
}

/// <summary>A community's events (key: community id), for listing.</summary>
[Alias("cs.IEventCalendarGrain")]
public interface IEventCalendarGrain : IGrainWithStringKey
{
    [Alias("Add")]
    Task Add(string eventId);

    [Alias("List")]
    Task<IReadOnlyList<CommunityEvent>> List();

    /// <summary>Every event id the community ever had (the listing shows the newest 200; erasure must reach them all).</summary>
    [Alias("AllIds")]
    Task<IReadOnlyList<string>> AllIds();
}
