using System.Globalization;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CommunityScale.Gamification;

[GenerateSerializer, Alias("cs.WeeklyBoardsState")]
public sealed class WeeklyBoardsState
{
    [Id(0)] public bool Armed { get; set; }

    /// <summary>The last week closed (ISO, e.g. <c>2026-W48</c>); later ones are still open.</summary>
    [Id(1)] public string? LastClosed { get; set; }

    /// <summary>Newest first, at most <see cref="WeeklyBoardsGrain.Kept"/>.</summary>
    [Id(2)] public List<WeekResult> Results { get; set; } = [];
}

/// <summary>
/// The weekly rollover. Each week's points already go to that week's own board, so a new week starts empty by itself;
/// what the reminder adds is the close: the finished week's top three are kept and told, once, even if nobody looks.
/// The reminder fires at the next Monday 00:00 UTC (or every <c>Schedule:CheckEvery</c>, whichever is first), and a
/// week is closed at most once (<see cref="WeeklyBoardsState.LastClosed"/>), so late or repeated ticks are harmless.
/// </summary>
public sealed class WeeklyBoardsGrain(
    [PersistentState("weekly-boards", StorageNames.Main)] IPersistentState<WeeklyBoardsState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<ScheduleOptions> schedule) : Grain, IWeeklyBoardsGrain, IRemindable
{
    public const int Kept = 52;
    public const int Winners = 3;
    private const string ReminderName = "weekly-rollover";

    private string CommunityId => this.GetPrimaryKeyString();

    public async Task Ensure()
    {
        if (!state.State.Armed)
        {
            await Schedule();
            state.State.Armed = true;
            state.State.LastClosed ??= Leaderboards.IsoWeek(clock.GetUtcNow().AddDays(-7));
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<WeekResult>> Past() => Task.FromResult<IReadOnlyList<WeekResult>>([.. state.State.Results]);

    public async Task ForgetMember(string userId)
    {
        var changed = false;
        for (var i = 0; i < state.State.Results.Count; i++)
        {
            var result = state.State.Results[i];
            if (result.Top.Any(e => e.UserId == userId))
            {
                var rest = result.Top.Where(e => e.UserId != userId).Select((e, rank) => e with { Rank = rank + 1 }).ToList();
                state.State.Results[i] = result with { Top = rest, Members = result.Members - 1 };
                changed = true;
            }
        }

        if (changed)
        {
            await state.WriteStateAsync();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var finished = Leaderboards.IsoWeek(StartOfWeek(clock.GetUtcNow()).AddDays(-1));
        if (state.State.LastClosed != finished)
        {
            await Close(finished);
        }

        await Schedule();
    }

    private async Task Close(string week)
    {
        var board = await GrainFactory.GetGrain<ILeaderboardGrain>($"{CommunityId}/{week}").Page(0, Winners);
        state.State.LastClosed = week;
        if (board.Members > 0)
        {
            state.State.Results.Insert(0, new WeekResult(week, board.Entries, board.Members, clock.GetUtcNow()));
            if (state.State.Results.Count > Kept)
            {
                state.State.Results.RemoveRange(Kept, state.State.Results.Count - Kept);
            }
        }

        await state.WriteStateAsync();
        foreach (var entry in board.Entries)
        {
            await GrainFactory.GetGrain<INotificationInboxGrain>(entry.UserId).Post(new NotificationDraft(CommunityId, NotificationKinds.WeeklyRank,
                string.Create(CultureInfo.InvariantCulture, $"You finished #{entry.Rank} of {board.Members} on the board of {week} with {entry.Points} points."),
                $"week:{week}:{entry.Rank}"));
        }
    }

    private Task Schedule() => Wakeups.WakeAt(this, ReminderName, StartOfWeek(clock.GetUtcNow()).AddDays(7), clock.GetUtcNow(), schedule.Value.CheckEvery);

    /// <summary>Monday 00:00 UTC of the ISO week <paramref name="at"/> falls in.</summary>
    private static DateTimeOffset StartOfWeek(DateTimeOffset at)
    {
        var day = at.UtcDateTime.Date;
        return new DateTimeOffset(day.AddDays(-(((int)day.DayOfWeek + 6) % 7)), TimeSpan.Zero);
    }
}
