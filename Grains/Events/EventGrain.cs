using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Gamification;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Events;

/// <summary>
/// One event. RSVPs are decided here one at a time, so capacity holds exactly and the waitlist keeps arrival order; a
/// cancellation promotes the first waiting member in the same write, and tells them. What a change owes (the
/// <c>event.rsvp</c> and <c>event.checkin</c> webhooks, the promotion notice, the check-in's points) is recorded in the
/// grain's <see cref="Outbox"/> in that write, so it arrives even if this silo dies right after the answer. Members
/// going are reminded <see cref="CommunityEvent.ReminderMinutes"/> before each session starts, woken by an Orleans reminder.
/// </summary>
public sealed class EventGrain(
    [PersistentState("event", StorageNames.Main)] IPersistentState<EventState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<ScheduleOptions> schedule,
    IOptions<OutboxOptions> outboxOptions,
    ILogger<EventGrain> logger) : Grain, IEventGrain, IRemindable
{
    private const string ReminderName = "session-reminders";

    public const int MaxSessions = 50;
    public const int MaxCapacity = 1_000_000;
    public const int MaxDescriptionLength = 2_000;

    // A promoted member's notice and a check-in's points were sent before the answer; they still are, in the normal
    // case (bounded: what fails stays owed and goes out later, and never fails the change already stored).

    private readonly StateWriter<EventState> _writer = new(state);
    private EventKey _key;
    private Outbox _outbox = null!;

    private EventState S => _writer.State;

    private string CommunityId => _key.CommunityId;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = EventKey.Parse(this.GetPrimaryKeyString());
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger) { WriteFailed = DeactivateOnIdle };
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public async Task<CommunityEvent> Create(NewEvent newEvent, Actor organiser)
    {
        var e = newEvent;
        if (S.Event is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Event '{e.Id}' already exists.");
        }

        var sessions = EventRules.RequireValid(e);
        await ModerationRoles.Require(GrainFactory, CommunityId, organiser, Access.Permissions.ManageEvents, "Organising events needs the manage_events permission (admins and the owner hold it by default).");
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
        await Store();
        // Awaited: the organiser finds the event listed when answered.
        await GrainFactory.GetGrain<IEventCalendarGrain>(CommunityId).Add(e.Id);
        await ScheduleNextReminder();
        return Current();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == Outbox.ReminderName)
        {
            await _outbox.Tick();
            return;
        }

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

            // Marked after the notices, not recorded in the outbox: a crash in between reminds again, and the inbox
            // drops the repeat by its source; a million going members would not fit in one write's follow-ups.
            S.Reminded.Add(id);
            await Store();
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

        RecordRsvp(member.UserId);
        await Store();
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

        RecordRsvp(member.UserId);
        FollowUp? notice = null;
        if (promoted is not null)
        {
            RecordRsvp(promoted);
            notice = _outbox.Add(new SendNotices([promoted], new NotificationDraft(CommunityId, NotificationKinds.EventPromoted,
                $"A place freed up: you are now going to “{e.Title}” ({e.StartsAt:u}).", $"event-promoted:{e.Id}:{promoted}")));
        }

        await Store();
        await _outbox.Settled(notice);
        return StateOf(member.UserId);
    }

    public async Task<MemberTrace> CollectMember(string userId)
    {
        if (S.Event is not { } e)
        {
            return MemberTrace.Empty;
        }

        var parts = new List<MemberTrace> { await GrainFactory.Survey(_key).CollectMember(userId) };
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
            await Store();
        }
        else if (S.Going.Contains(userId) || S.Waitlist.Contains(userId))
        {
            await Cancel(new Actor(userId, ""));
        }

        if (S.CheckedIn.Remove(userId))
        {
            S.CheckedIn.Add(pseudonym);
            await Store();
        }

        await GrainFactory.Survey(_key).EraseMember(userId, pseudonym);
        foreach (var session in e.Sessions)
        {
            await Board(session.Id).EraseMember(userId, pseudonym);
        }
    }

    private IQuestionBoardGrain Board(string sessionId) => GrainFactory.QuestionBoard(_key.Session(sessionId));

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
            _outbox.Add(RaiseWebhook.Of(CommunityId, WebhookEventKinds.EventCheckIn, now, new RsvpChange(CommunityId, member.UserId, StateOf(member.UserId))));
            var points = _outbox.Add(new AwardPoints(
                [new ActivityEvent($"checkin:{e.Id}", CommunityId, member.UserId, member.DisplayName, ActionKinds.EventCheckIn, now, null, EventId: e.Id)]));
            await Store();
            await _outbox.Settled(points);
        }

        return StateOf(member.UserId);
    }

    /// <summary>The member's RSVP as it is now, for the <c>event.rsvp</c> webhook (stored with the change).</summary>
    private void RecordRsvp(string userId) =>
        _outbox.Add(RaiseWebhook.Of(CommunityId, WebhookEventKinds.EventRsvp, clock.GetUtcNow(), new RsvpChange(CommunityId, userId, StateOf(userId))));

    private Task Store() => _outbox.Store();

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
