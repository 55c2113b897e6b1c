using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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
}

/// <summary>
/// One event. RSVPs are decided here one at a time, so capacity holds exactly and the waitlist keeps arrival order; a
/// cancellation promotes the first waiting member in the same write, and tells them. Members going are reminded
/// <see cref="CommunityEvent.ReminderMinutes"/> before each session starts, woken by an Orleans reminder.
/// </summary>
public sealed class EventGrain(
    [PersistentState("event", StorageNames.Main)] IPersistentState<EventState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<ScheduleOptions> schedule) : Grain, IEventGrain, IRemindable
{
    private const string ReminderName = "session-reminders";

    public const int MaxSessions = 50;
    public const int MaxCapacity = 1_000_000;
    public const int MaxDescriptionLength = 2_000;

    private EventState S => state.State;

    private string CommunityId => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().IndexOf('/', StringComparison.Ordinal)];

    public async Task<CommunityEvent> Create(NewEvent newEvent, Actor organiser)
    {
        var e = newEvent;
        if (S.Event is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Event '{e.Id}' already exists.");
        }

        var sessions = EventRules.RequireValid(e);
        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, organiser, "Only admins and the owner organise events.");
        var community = GrainFactory.GetGrain<ICommunityGrain>(CommunityId);
        foreach (var session in sessions)
        {
            // Each session talks in its own channel; the same id again (a retried create) is already there.
            try
            {
                await community.CreateChannel(session.ChannelId, session.Title, null, organiser);
            }
            catch (CommunityException ex) when (ex.Code == ErrorCodes.AlreadyExists)
            {
            }
        }

        S.Event = new CommunityEvent(CommunityId, e.Id, e.Title.Trim(), e.Description?.Trim() ?? "", e.StartsAt, e.EndsAt, e.Capacity, sessions, organiser.UserId, 0, 0, 0,
            e.ReminderMinutes ?? EventRules.DefaultReminderMinutes);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IEventCalendarGrain>(CommunityId).Add(e.Id);
        await ScheduleNextReminder();
        return Current();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName || S.Event is not { } e)
        {
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var (id, title, startsAt) in ReminderTargets(e).Where(t => !S.Reminded.Contains(t.Id) && t.StartsAt - Lead(e) <= now))
        {
            // A session that has already started gets no reminder (an event created late, a silo down for long).
            if (startsAt > now)
            {
                var text = $"“{title}” starts at {startsAt:u} ({e.Title}).";
                foreach (var chunk in S.Going.ToList().Chunk(500))
                {
                    await Task.WhenAll(chunk.Select(user => GrainFactory.GetGrain<INotificationInboxGrain>(user)
                        .Post(new NotificationDraft(CommunityId, NotificationKinds.SessionReminder, text, $"session-reminder:{e.Id}:{id}"))));
                }
            }

            // Marked after the notices: a crash in between reminds again, and the inbox drops the repeat by its source.
            S.Reminded.Add(id);
            await state.WriteStateAsync();
        }

        await ScheduleNextReminder();
    }

    private static TimeSpan Lead(CommunityEvent e) => TimeSpan.FromMinutes(e.ReminderMinutes);

    /// <summary>Each session, or the event itself when it has no agenda.</summary>
    private static IEnumerable<(string Id, string Title, DateTimeOffset StartsAt)> ReminderTargets(CommunityEvent e) =>
        e.Sessions.Count == 0 ? [("", e.Title, e.StartsAt)] : e.Sessions.Select(s => (s.Id, s.Title, s.StartsAt));

    private Task ScheduleNextReminder()
    {
        var e = S.Event!;
        var pending = e.ReminderMinutes == 0 ? [] : ReminderTargets(e).Where(t => !S.Reminded.Contains(t.Id)).Select(t => t.StartsAt - Lead(e)).ToList();
        return Wakeups.WakeAt(this, ReminderName, pending.Count == 0 ? null : pending.Min(), clock.GetUtcNow(), schedule.Value.CheckEvery);
    }

    public Task<CommunityEvent> Get() => Task.FromResult(Current());

    public Task<EventSession> RequireSession(string sessionId)
    {
        var e = Current();
        return Task.FromResult(e.Sessions.FirstOrDefault(s => s.Id == sessionId)
            ?? throw CommunityException.NotFound($"Session '{sessionId}' of event '{e.Id}'"));
    }

    public async Task<RsvpState> Rsvp(Actor member)
    {
        var e = Current();
        if (S.Going.Contains(member.UserId) || S.Waitlist.Contains(member.UserId))
        {
            return StateOf(member.UserId);
        }

        if (clock.GetUtcNow() > e.EndsAt)
        {
            throw CommunityException.Invalid("The event is over.");
        }

        await RequireMayTakePart(member);
        if (S.Going.Count < e.Capacity)
        {
            S.Going.Add(member.UserId);
        }
        else
        {
            S.Waitlist.Add(member.UserId);
        }

        await state.WriteStateAsync();
        RaiseRsvp(member.UserId);
        return StateOf(member.UserId);
    }

    public async Task<RsvpState> Cancel(Actor member)
    {
        var e = Current();
        string? promoted = null;
        if (S.Going.Remove(member.UserId))
        {
            if (S.Waitlist.Count > 0)
            {
                promoted = S.Waitlist[0];
                S.Waitlist.RemoveAt(0);
                S.Going.Add(promoted);
            }
        }
        else if (!S.Waitlist.Remove(member.UserId))
        {
            return StateOf(member.UserId);
        }

        await state.WriteStateAsync();
        RaiseRsvp(member.UserId);
        if (promoted is not null)
        {
            RaiseRsvp(promoted);
            await GrainFactory.GetGrain<INotificationInboxGrain>(promoted).Post(new NotificationDraft(CommunityId, NotificationKinds.EventPromoted,
                $"A place freed up: you are now going to “{e.Title}” ({e.StartsAt:u}).", $"event-promoted:{e.Id}:{promoted}"));
        }

        return StateOf(member.UserId);
    }

    public async Task<MemberTrace> CollectMember(string userId)
    {
        if (S.Event is not { } e)
        {
            return MemberTrace.Empty;
        }

        var parts = new List<MemberTrace> { await GrainFactory.GetGrain<ISurveyGrain>(this.GetPrimaryKeyString()).CollectMember(userId) };
        foreach (var session in e.Sessions)
        {
            parts.Add(await Board(session.Id).CollectMember(userId));
        }

        var traces = MemberTrace.MergeAll(parts).Events;
        var rsvp = S.Going.Contains(userId) ? "going" : S.Waitlist.Contains(userId) ? "waitlisted" : null;
        var trace = new EventTrace(e.Id, rsvp, S.CheckedIn.Contains(userId),
            [.. traces.SelectMany(t => t.Questions)], [.. traces.SelectMany(t => t.QuestionsUpvoted)], [.. traces.SelectMany(t => t.Ballots)],
            traces.Select(t => t.Survey).FirstOrDefault(a => a is not null));
        return trace is { Rsvp: null, CheckedIn: false, Questions: [], QuestionsUpvoted: [], Ballots: [], Survey: null }
            ? MemberTrace.Empty
            : MemberTrace.Empty with { Events = [trace] };
    }

    /// <summary>Erasure: the member's place frees up (the waitlist moves on, as on a cancellation); Q&amp;A, polls and the survey forget them.</summary>
    public async Task EraseMember(string userId, string pseudonym)
    {
        if (S.Event is not { } e)
        {
            return;
        }

        if (clock.GetUtcNow() >= e.EndsAt)
        {
            // A past event's attendance is history: the member stays counted, as the pseudonym, and nobody is promoted.
            if (S.Going.Remove(userId))
            {
                S.Going.Add(pseudonym);
            }

            S.Waitlist = [.. S.Waitlist.Select(u => u == userId ? pseudonym : u)];
            await state.WriteStateAsync();
        }
        else if (S.Going.Contains(userId) || S.Waitlist.Contains(userId))
        {
            await Cancel(new Actor(userId, ""));
        }

        if (S.CheckedIn.Remove(userId))
        {
            S.CheckedIn.Add(pseudonym);
            await state.WriteStateAsync();
        }

        await GrainFactory.GetGrain<ISurveyGrain>(this.GetPrimaryKeyString()).EraseMember(userId, pseudonym);
        foreach (var session in e.Sessions)
        {
            await Board(session.Id).EraseMember(userId, pseudonym);
        }
    }

    private IQuestionBoardGrain Board(string sessionId) => GrainFactory.GetGrain<IQuestionBoardGrain>($"{this.GetPrimaryKeyString()}/{sessionId}");

    public Task<RsvpState> GetRsvp(string userId)
    {
        Current();
        return Task.FromResult(StateOf(userId));
    }

    public async Task<RsvpState> CheckIn(Actor member)
    {
        var e = Current();
        var now = clock.GetUtcNow();
        if (now < e.StartsAt || now > e.EndsAt)
        {
            throw CommunityException.Invalid($"Check-in is open while the event runs, {e.StartsAt:u} to {e.EndsAt:u}.");
        }

        await RequireMayTakePart(member);
        if (!S.Going.Contains(member.UserId))
        {
            throw CommunityException.Invalid(S.Waitlist.Contains(member.UserId)
                ? "You are on the waitlist; check-in opens to you once you are promoted."
                : "RSVP first: check-in is for members who are going.");
        }

        if (S.CheckedIn.Add(member.UserId))
        {
            await state.WriteStateAsync();
            Integrations.Webhooks.Raise(GrainFactory, CommunityId, Integrations.WebhookEventKinds.EventCheckIn, now,
                new RsvpChange(CommunityId, member.UserId, StateOf(member.UserId)));
            await GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(CommunityId, member.UserId)).Record(
                [new ActivityEvent($"checkin:{e.Id}", CommunityId, member.UserId, member.DisplayName, ActionKinds.EventCheckIn, now, null, EventId: e.Id)]);
        }

        return StateOf(member.UserId);
    }

    private void RaiseRsvp(string userId) =>
        Integrations.Webhooks.Raise(GrainFactory, CommunityId, Integrations.WebhookEventKinds.EventRsvp, clock.GetUtcNow(), new RsvpChange(CommunityId, userId, StateOf(userId)));

    private async Task RequireMayTakePart(Actor member) =>
        PostingRules.RequireNotBanned(await PostingRules.RequireMember(GrainFactory, CommunityId, member.UserId));

    private CommunityEvent Current() =>
        S.Event is { } e ? e with { Going = S.Going.Count, Waitlisted = S.Waitlist.Count, CheckedIn = S.CheckedIn.Count }
        : throw CommunityException.NotFound($"Event '{this.GetPrimaryKeyString()}'");

    private RsvpState StateOf(string userId)
    {
        var position = S.Waitlist.IndexOf(userId);
        var status = S.Going.Contains(userId) ? RsvpStatus.Going : position >= 0 ? RsvpStatus.Waitlisted : RsvpStatus.None;
        return new RsvpState(S.Event!.Id, status, position >= 0 ? position + 1 : null, S.CheckedIn.Contains(userId));
    }
}

/// <summary>The checks of a new event and its agenda.</summary>
public static class EventRules
{
    public const int DefaultReminderMinutes = 15;
    public const int MaxReminderMinutes = 7 * 24 * 60;

    public static IReadOnlyList<EventSession> RequireValid(NewEvent e)
    {
        var id = InputRules.RequireId(e.Id, "event id");
        if (e.ReminderMinutes is < 0 or > MaxReminderMinutes)
        {
            throw CommunityException.Invalid($"reminderMinutes is 0 (no reminders) to {MaxReminderMinutes} (a week).");
        }

        InputRules.RequireName(e.Title, "title");
        if ((e.Description?.Length ?? 0) > EventGrain.MaxDescriptionLength)
        {
            throw new CommunityException(ErrorCodes.TooLong, $"The description has at most {EventGrain.MaxDescriptionLength} characters.");
        }

        if (e.EndsAt <= e.StartsAt || e.EndsAt - e.StartsAt > TimeSpan.FromDays(14))
        {
            throw CommunityException.Invalid("endsAt must be after startsAt, and an event lasts at most 14 days.");
        }

        if (e.Capacity is < 1 or > EventGrain.MaxCapacity)
        {
            throw CommunityException.Invalid($"capacity must be between 1 and {EventGrain.MaxCapacity}.");
        }

        var sessions = e.Sessions ?? [];
        if (sessions.Count > EventGrain.MaxSessions || sessions.Select(s => s.Id).Distinct(StringComparer.Ordinal).Count() != sessions.Count)
        {
            throw CommunityException.Invalid($"An event has at most {EventGrain.MaxSessions} sessions, each with its own id.");
        }

        return [.. sessions.Select(s =>
        {
            var sessionId = InputRules.RequireId(s.Id, "session id");
            var channel = $"{id}-{sessionId}";
            if (channel.Length > InputRules.MaxIdLength)
            {
                throw CommunityException.Invalid($"Event and session ids together must be at most {InputRules.MaxIdLength - 1} characters.");
            }

            if (s.EndsAt <= s.StartsAt || s.StartsAt < e.StartsAt || s.EndsAt > e.EndsAt)
            {
                throw CommunityException.Invalid($"Session '{sessionId}' must start before it ends, within the event.");
            }

            var speakers = (s.Speakers ?? []).Select(p => InputRules.RequireName(p, "speaker")).Take(11).ToList();
            return speakers.Count > 10
                ? throw CommunityException.Invalid("A session has at most 10 speakers.")
                : new EventSession(sessionId, InputRules.RequireName(s.Title, "session title"), s.Track is null ? "" : InputRules.RequireName(s.Track, "track"),
                    speakers, s.StartsAt, s.EndsAt, channel);
        }).OrderBy(s => s.StartsAt)];
    }
}

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

    public async Task Add(string eventId)
    {
        if (!state.State.EventIds.Contains(eventId))
        {
            state.State.EventIds.Add(eventId);
            if (state.State.EventIds.Count > Listed)
            {
                state.State.Unlisted.Add(state.State.EventIds[0]);
                state.State.EventIds.RemoveAt(0);
            }

            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> AllIds() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Unlisted, .. state.State.EventIds]);

    public async Task<IReadOnlyList<CommunityEvent>> List()
    {
        var events = await Task.WhenAll(state.State.EventIds.Select(id => GrainFactory.GetGrain<IEventGrain>($"{this.GetPrimaryKeyString()}/{id}").Get()));
        return [.. events.OrderBy(e => e.StartsAt)];
    }
}
