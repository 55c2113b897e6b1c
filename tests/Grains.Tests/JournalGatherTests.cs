using CommunityScale.Chat;
using CommunityScale.Chat.Journal;
using CommunityScale.Silo.Storage.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// How the journal's writer waits for company (issue 24): quiet channels' rows wait for each other up to
/// <c>Journal:QuietDelay</c> or <c>GatherRows</c>, a busy channel's row ends that wait. The clock is a fake one that
/// never moves unless the test moves it, so what ends a wait here is rows, never time.
/// </summary>
[Collection(SharedCluster.Name)]
[Trait("Area", "WritePath")]
public sealed class JournalGatherTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Quiet = TimeSpan.MaxValue;
    private static readonly TimeSpan Busy = TimeSpan.FromMilliseconds(10);

    private Serializer Serializer => fixture.Cluster.GetSiloServiceProvider().GetRequiredService<Serializer>();

    private (ChannelJournal Journal, CountingJournalStore Store, WatchedClock Clock) NewJournal(int gatherRows, TimeSpan? quietDelay = null, bool wholeMilliseconds = false)
    {
        var store = new CountingJournalStore(new MemoryJournalStore(Guid.NewGuid().ToString("n")));
        var clock = new WatchedClock(wholeMilliseconds);
        var options = new JournalOptions { MaxDelay = TimeSpan.Zero, QuietDelay = quietDelay ?? TimeSpan.FromSeconds(1), GatherRows = gatherRows };
        return (new ChannelJournal(store, Serializer, Microsoft.Extensions.Options.Options.Create(options), NullLogger<ChannelJournal>.Instance, clock), store, clock);
    }

    private static JournalAddress Address(string channel) => ChannelJournal.AddressOf(new ChannelKey("gather", channel), 1);

    private static ChatMessage[] One(JournalAddress address, long seq) =>
        [new(address.Channel.CommunityId, address.Channel.ChannelId, seq, Guid.NewGuid().ToString("n"), "ann", "Ann", $"m{seq}", DateTimeOffset.UnixEpoch, $"c{seq}")];

    /// <summary>
    /// A quiet channel's one row, appended, once the writer waits on the clock for company: the clock does not move, so
    /// the row cannot be written yet.
    /// </summary>
    private static async Task<Task> AppendedAndWaiting(ChannelJournal journal, WatchedClock clock, string channel)
    {
        var append = journal.Append(Address(channel), One(Address(channel), 1), Quiet);
        await clock.WaitStarted.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(append.IsCompleted);
        return append;
    }

    [Fact]
    public async Task Quiet_channels_rows_wait_for_each_other_and_go_in_one_write_once_enough_are_queued()
    {
        var (journal, store, clock) = NewJournal(gatherRows: 3);
        var first = await AppendedAndWaiting(journal, clock, "a");
        var second = journal.Append(Address("b"), One(Address("b"), 1), Quiet);

        // Two rows do not end the wait and the clock does not move, so only a third row can.
        Assert.False(first.IsCompleted);
        Assert.Equal(0, store.Inserts);

        var third = journal.Append(Address("c"), One(Address("c"), 1), Quiet);
        await Task.WhenAll(first, second, third).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([3], store.BatchSizes);
    }

    [Fact]
    public async Task A_busy_channels_row_ends_a_quiet_wait_and_takes_the_waiting_rows_along()
    {
        var (journal, store, clock) = NewJournal(gatherRows: 100);
        var quiet = await AppendedAndWaiting(journal, clock, "quiet");

        var busy = journal.Append(Address("busy"), One(Address("busy"), 7), Busy);
        await Task.WhenAll(quiet, busy).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([2], store.BatchSizes);
        Assert.Equal(7, Assert.Single(await journal.Read(Address("busy"), 0)).Seq);
    }

    [Fact]
    public async Task A_lone_quiet_row_is_written_when_the_quiet_wait_runs_out()
    {
        var (journal, store, clock) = NewJournal(gatherRows: 100);
        var lone = await AppendedAndWaiting(journal, clock, "lone");

        clock.Advance(TimeSpan.FromSeconds(1));
        await lone.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1], store.BatchSizes);
    }

    [Fact]
    public async Task A_wait_with_less_than_a_millisecond_left_waits_once_more_rather_than_turning_at_once_until_it_is_over()
    {
        // The system's timers count whole milliseconds and drop the rest, so a 0.5-ms wait ends at once: the writer used
        // to turn round and round until the time was up (≈ 200 turns a message in many-channels, each with a new timer).
        var (journal, store, clock) = NewJournal(gatherRows: 100, quietDelay: TimeSpan.FromMilliseconds(20.5), wholeMilliseconds: true);
        var lone = await AppendedAndWaiting(journal, clock, "lone");

        // Off the test's thread: turning at once, the writer would never give back the thread that moves the clock.
        await Task.Run(() => clock.Advance(TimeSpan.FromMilliseconds(20))).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(lone.IsCompleted);
        await Task.Run(() => clock.Advance(TimeSpan.FromMilliseconds(1))).WaitAsync(TimeSpan.FromSeconds(30));
        await lone.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1], store.BatchSizes);
        // The quiet wait's timer and the one for its last half millisecond (and perhaps the idle writer's next wait).
        Assert.InRange(clock.Timers, 2, 3);
    }

    /// <summary>
    /// A clock that moves only when told, says when the first timed wait on it starts and counts its timers; with
    /// <c>wholeMilliseconds</c> its timers drop what is below a millisecond, as the system's do.
    /// </summary>
    private sealed class WatchedClock(bool wholeMilliseconds) : FakeTimeProvider
    {
        private readonly TaskCompletionSource _waitStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _timers;

        public Task WaitStarted => _waitStarted.Task;

        public int Timers => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            var due = wholeMilliseconds ? TimeSpan.FromMilliseconds(Math.Floor(dueTime.TotalMilliseconds)) : dueTime;
            var timer = base.CreateTimer(callback, state, due, period);
            _waitStarted.TrySetResult();
            return timer;
        }
    }
}
