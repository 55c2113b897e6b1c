using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Gamification;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace CommunityScale.Events;

[GenerateSerializer, Alias("cs.PollState")]
public sealed class PollState
{
    [Id(0)] public Poll? Poll { get; set; }

    /// <summary>member → their ballot (option indexes).</summary>
    [Id(1)] public Dictionary<string, int[]> Ballots { get; set; } = new(StringComparer.Ordinal);

    /// <summary>First ballots' points and the <c>poll.closed</c> webhook still owed.</summary>
    [Id(2)] public OutboxState Outbox { get; set; } = new();
}

/// <summary>
/// One poll. Ballots are group-committed (the grain is reentrant; ballots arriving during a write are stored by the next
/// one, each answered after its write), and the results are published once per write, not once per ballot. Every
/// write goes through one <see cref="StateWriter{T}"/>, so ballot batches, opening and closing, and the outbox's own
/// marks never overlap. A batch's first ballots' points, and a closing's <c>poll.closed</c> webhook, are recorded in the
/// grain's <see cref="Outbox"/> in the write that stores them.
/// </summary>
[Reentrant]
public sealed partial class PollGrain(
    [PersistentState("poll", StorageNames.Main)] IPersistentState<PollState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<OutboxOptions> outboxOptions,
    ILogger<PollGrain> logger) : Grain, IPollGrain, IRemindable
{
    public const int MaxOptions = 10;
    public const int MaxTextLength = 200;

    private readonly Dictionary<string, (int[] Choices, string DisplayName, TaskCompletionSource<Poll> Done)> _pending = new(StringComparer.Ordinal);
    private readonly StateWriter<PollState> _writer = new(state);
    private bool _writing;
    private SessionItemKey _key;
    private Outbox _outbox = null!;

    private PollState S => _writer.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = SessionItemKey.Parse(this.GetPrimaryKeyString());
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger);
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    public async Task<Poll> Create(NewPoll poll, Actor moderator)
    {
        if (S.Poll is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, "This poll already exists.");
        }

        var question = RequireText(poll.Question, "question");
        var options = (poll.Options ?? []).Select(o => RequireText(o, "option")).ToList();
        if (options.Count is < 2 or > MaxOptions || options.Distinct(StringComparer.Ordinal).Count() != options.Count)
        {
            throw CommunityException.Invalid($"A poll has 2 to {MaxOptions} different options.");
        }

        var session = _key.Session;
        await GrainFactory.Event(session.Event).RequireSession(session.SessionId);

        await ModerationRoles.RequireModerator(GrainFactory, session.Event.CommunityId, moderator, Access.Permissions.ManageMessages);
        S.Poll = new Poll(_key.ItemId, session.Event.CommunityId, session.Event.EventId, session.SessionId, question, options, poll.Multiple, true, [.. options.Select(_ => 0)], 0,
            clock.GetUtcNow());
        await _writer.Write();
        await GrainFactory.QuestionBoard(session).AddPoll(_key.ItemId);
        await Publish();
        return S.Poll;
    }

    public Task<MemberTrace> CollectMember(string userId)
    {
        return Task.FromResult(S.Ballots.TryGetValue(userId, out var choices)
            ? MemberTrace.Empty with { Events = [new EventTrace(_key.Session.Event.EventId, null, false, [], [], [new PollBallot(_key.Session.SessionId, _key.ItemId, choices)], null)] }
            : MemberTrace.Empty);
    }

    /// <summary>Erasure: the ballot stays counted in the results, under the pseudonym.</summary>
    public async Task EraseMember(string userId, string pseudonym)
    {
        if (S.Ballots.Remove(userId, out var choices))
        {
            S.Ballots[pseudonym] = choices;
            // Through the writer, never beside a ballot batch's write.
            await _writer.Write();
        }
    }

    public Task<Poll> Get() => Task.FromResult(S.Poll ?? throw CommunityException.NotFound("Poll"));

    public async Task<Poll> SetOpen(bool open, Actor moderator)
    {
        var poll = S.Poll ?? throw CommunityException.NotFound("Poll");
        await ModerationRoles.RequireModerator(GrainFactory, poll.CommunityId, moderator, Access.Permissions.ManageMessages);
        if (poll.Open != open)
        {
            S.Poll = Tallied() with { Open = open };
            var closed = open ? null : _outbox.Add(RaiseWebhook.Of(poll.CommunityId, WebhookEventKinds.PollClosed, clock.GetUtcNow(), S.Poll));
            try
            {
                await _outbox.Store();
            }
            catch
            {
                S.Poll = S.Poll with { Open = !open };
                if (closed is not null)
                {
                    _outbox.Discard([closed]);
                }

                throw;
            }

            await Publish();
        }

        return S.Poll!;
    }

    public async Task<Poll> Vote(IReadOnlyList<int> choices, Actor member)
    {
        var poll = S.Poll ?? throw CommunityException.NotFound("Poll");
        if (!poll.Open)
        {
            throw CommunityException.Invalid("The poll is closed.");
        }

        var ballot = (choices ?? []).Distinct().Order().ToArray();
        if (ballot.Length == 0 || (!poll.Multiple && ballot.Length > 1))
        {
            throw CommunityException.Invalid(poll.Multiple ? "Choose at least one option." : "Choose exactly one option.");
        }

        if (ballot.Any(c => c < 0 || c >= poll.Options.Count))
        {
            throw CommunityException.Invalid($"Options are numbered 0 to {poll.Options.Count - 1}.");
        }

        PostingRules.RequireNotBanned(await PostingRules.RequireMember(GrainFactory, poll.CommunityId, member.UserId));

        if (S.Ballots.TryGetValue(member.UserId, out var stored) && stored.SequenceEqual(ballot) && !_pending.ContainsKey(member.UserId))
        {
            return Tallied();
        }

        var done = new TaskCompletionSource<Poll>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_pending.Remove(member.UserId, out var earlier))
        {
            // A newer ballot from the same member before the last was stored: the newer one counts, both answer with it.
            _ = done.Task.ContinueWith(t => earlier.Done.TrySetResult(t.Result), TaskScheduler.Default);
        }

        _pending[member.UserId] = (ballot, member.DisplayName, done);
        if (!_writing)
        {
            _writing = true;
            _ = WriteBallots();
        }

        return await done.Task;
    }

    private async Task WriteBallots()
    {
        try
        {
            while (_pending.Count > 0)
            {
                var batch = _pending.ToList();
                _pending.Clear();
                var before = batch.Select(b => (b.Key, Had: S.Ballots.TryGetValue(b.Key, out var old), Old: old)).ToList();
                foreach (var (voter, (choices, _, _)) in batch)
                {
                    S.Ballots[voter] = choices;
                }

                S.Poll = Tallied();
                var awards = _outbox.AddRange(AwardFirstBallots([.. batch.Where(b => !before.Exists(x => x.Key == b.Key && x.Had)).Select(b => new Actor(b.Key, b.Value.DisplayName))]));
                try
                {
                    await _outbox.Store();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    _outbox.Discard(awards);
                    foreach (var (voter, had, old) in before)
                    {
                        if (had)
                        {
                            S.Ballots[voter] = old!;
                        }
                        else
                        {
                            S.Ballots.Remove(voter);
                        }
                    }

                    S.Poll = Tallied();
                    foreach (var (_, (_, _, done)) in batch)
                    {
                        done.TrySetException(new CommunityException(ErrorCodes.Unavailable, "The ballot could not be stored; vote again."));
                    }

                    LogWriteFailed(logger, ex, this.GetPrimaryKeyString());
                    continue;
                }

                foreach (var (_, (_, _, done)) in batch)
                {
                    done.TrySetResult(S.Poll);
                }

                await Publish();
            }
        }
        finally
        {
            _writing = false;
        }
    }

    private Poll Tallied()
    {
        var poll = S.Poll!;
        var counts = new int[poll.Options.Count];
        foreach (var ballot in S.Ballots.Values)
        {
            foreach (var choice in ballot)
            {
                counts[choice]++;
            }
        }

        return poll with { Counts = counts, Voters = S.Ballots.Count };
    }

    private static string RequireText(string? text, string what)
    {
        var trimmed = text?.Trim() ?? "";
        return trimmed.Length is 0 or > MaxTextLength || trimmed.Any(char.IsControl)
            ? throw CommunityException.Invalid($"The {what} must be 1 to {MaxTextLength} printable characters.")
            : trimmed;
    }

    /// <summary>A member's first stored ballot in this poll earns <c>poll_vote</c> (once: the source is the poll), recorded with the ballot.</summary>
    private IEnumerable<AwardPoints> AwardFirstBallots(IReadOnlyList<Actor> voters)
    {
        var poll = S.Poll!;
        var now = clock.GetUtcNow();
        return voters.Select(voter => new AwardPoints(
            [new ActivityEvent($"poll:{poll.EventId}/{poll.SessionId}/{poll.Id}", poll.CommunityId, voter.UserId, voter.DisplayName, ActionKinds.PollVote, now, null, EventId: poll.EventId)]));
    }

    private async Task Publish()
    {
        try
        {
            await this.GetStreamProvider(StreamNames.Provider).GetStream<SessionStreamEvent>(StreamNames.ForSession(_key.Session.ToString()))
                .OnNextAsync(new PollUpdated(S.Poll!));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogWriteFailed(logger, ex, this.GetPrimaryKeyString());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Poll {Poll}: storing ballots or publishing results failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, string poll);
}
