using System.Globalization;
using CommunityScale.FollowUps;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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

    /// <summary>The finishers' notices of a closed week still owed.</summary>
    [Id(3)] public OutboxState Outbox { get; set; } = new();
}

/// <summary>
/// The weekly rollover. Each week's points already go to that week's own board, so a new week starts empty by itself;
/// what the reminder adds is the close: the finished week's top three are kept and told, once, even if nobody looks.
/// The reminder fires at the next Monday 00:00 UTC (or every <c>Schedule:CheckEvery</c>, whichever is first), and a
/// week is closed at most once (<see cref="WeeklyBoardsState.LastClosed"/>), so late or repeated ticks are harmless.
/// The finishers' notices are recorded in the grain's <see cref="Outbox"/> with the close, so a crash right after it
/// (which marks the week closed for good) does not lose them.
/// </summary>
public sealed class WeeklyBoardsGrain(
    [PersistentState("weekly-boards", StorageNames.Main)] IPersistentState<WeeklyBoardsState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<ScheduleOptions> schedule,
    IOptions<OutboxOptions> outboxOptions,
    ILogger<WeeklyBoardsGrain> logger) : Grain, IWeeklyBoardsGrain, IRemindable
{
    public const int Kept = 52;
    public const int Winners = 3;
    private const string ReminderName = "weekly-rollover";

    // The tick used to send the notices itself; it still waits for them (bounded: the outbox keeps what fails).

    private readonly StateWriter<WeeklyBoardsState> _writer = new(state);
    private Outbox _outbox = null!;

    private WeeklyBoardsState S => _writer.State;

    private string CommunityId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger);
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public async Task Ensure()
    {
        if (!S.Armed)
        {
            await Schedule();
            S.Armed = true;
            S.LastClosed ??= Leaderboards.IsoWeek(clock.GetUtcNow().AddDays(-7));
            await _writer.Write();
        }
    }

    public Task<IReadOnlyList<WeekResult>> Past() => Task.FromResult<IReadOnlyList<WeekResult>>([.. S.Results]);

    public async Task ForgetMember(string userId)
    {
        var changed = false;
        for (var i = 0; i < S.Results.Count; i++)
        {
            var result = S.Results[i];
            if (result.Top.Any(e => e.UserId == userId))
            {
                var rest = result.Top.Where(e => e.UserId != userId).Select((e, rank) => e with { Rank = rank + 1 }).ToList();
                S.Results[i] = result with { Top = rest, Members = result.Members - 1 };
                changed = true;
            }
        }

        if (changed)
        {
            await _writer.Write();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == Outbox.ReminderName)
        {
            await _outbox.Tick();
            return;
        }

        var finished = Leaderboards.IsoWeek(StartOfWeek(clock.GetUtcNow()).AddDays(-1));
        if (S.LastClosed != finished)
        {
            await Close(finished);
        }

        await Schedule();
    }

    private async Task Close(string week)
    {
        var board = await GrainFactory.Leaderboard(new BoardKey(CommunityId, week)).Page(0, Winners);
        S.LastClosed = week;
        if (board.Members > 0)
        {
            S.Results.Insert(0, new WeekResult(week, board.Entries, board.Members, clock.GetUtcNow()));
            if (S.Results.Count > Kept)
            {
                S.Results.RemoveRange(Kept, S.Results.Count - Kept);
            }
        }

        var notices = _outbox.AddRange(board.Entries.Select(entry => new SendNotices([entry.UserId], new NotificationDraft(CommunityId, NotificationKinds.WeeklyRank,
            string.Create(CultureInfo.InvariantCulture, $"You finished #{entry.Rank} of {board.Members} on the board of {week} with {entry.Points} points."),
            $"week:{week}:{entry.Rank}"))));
        await _outbox.Store();
        await _outbox.Settled(notices.Count > 0 ? notices[^1] : null);
    }

    private Task Schedule() => Wakeups.WakeAt(this, ReminderName, StartOfWeek(clock.GetUtcNow()).AddDays(7), clock.GetUtcNow(), schedule.Value.CheckEvery);

    /// <summary>Monday 00:00 UTC of the ISO week <paramref name="at"/> falls in.</summary>
    private static DateTimeOffset StartOfWeek(DateTimeOffset at)
    {
        var day = at.UtcDateTime.Date;
        return new DateTimeOffset(day.AddDays(-(((int)day.DayOfWeek + 6) % 7)), TimeSpan.Zero);
    }
}
