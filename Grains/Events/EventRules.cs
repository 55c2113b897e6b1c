using CommunityScale.Errors;

namespace CommunityScale.Events;

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
