using CommunityScale.Scheduling;
using CommunityScale.Streams;

namespace CommunityScale.Events;

[GenerateSerializer, Alias("cs.EventCalendarState")]
public sealed class EventCalendarState
{
    [Id(0)] public List<string> EventIds { get; set; } = [];

    /// <summary>Events no longer listed (older than the newest 200), still reachable for privacy requests.</summary>
    [Id(1)] public List<string> Unlisted { get; set; } = [];
}

/// <summary>A community's events, newest 200 listed.</summary>
public sealed class EventCalendarGrain(
    [PersistentState("calendar", StorageNames.Main)] IPersistentState<EventCalendarState> state) : Grain, IEventCalendarGrain
{
    public const int Listed = 200;
    private readonly StateWriter<EventCalendarState> _writer = new(state);

    private EventCalendarState S => _writer.State;

    public async Task Add(string eventId)
    {
        if (!S.EventIds.Contains(eventId))
        {
            S.EventIds.Add(eventId);
            if (S.EventIds.Count > Listed)
            {
                S.Unlisted.Add(S.EventIds[0]);
                S.EventIds.RemoveAt(0);
            }

            await _writer.Write();
        }
    }

    public Task<IReadOnlyList<string>> AllIds() => Task.FromResult<IReadOnlyList<string>>([.. S.Unlisted, .. S.EventIds]);

    public async Task<IReadOnlyList<CommunityEvent>> List()
    {
        var events = await Task.WhenAll(S.EventIds.Select(id => GrainFactory.Event(new EventKey(this.GetPrimaryKeyString(), id)).Get()));
        return [.. events.OrderBy(e => e.StartsAt)];
    }
}
