using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace CommunityScale.Events;

[GenerateSerializer, Alias("cs.PollState")]
public sealed class PollState
{
    [Id(0)] public Poll? Poll { get; set; }

    /// <summary>member → their ballot (option indexes).</summary>
    [Id(1)] public Dictionary<string, int[]> Ballots { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One poll. Ballots are group-committed (the grain is reentrant; ballots arriving during a write are stored by the next
/// one, each answered after its write), and the results are published once per write, not once per ballot.
/// </summary>
[Reentrant]
public sealed partial class PollGrain(
    [PersistentState("poll", StorageNames.Main)] IPersistentState<PollState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    ILogger<PollGrain> logger) : Grain, IPollGrain
{
    public const int MaxOptions = 10;
    public const int MaxTextLength = 200;

    private readonly Dictionary<string, (int[] Choices, string DisplayName, TaskCompletionSource<Poll> Done)> _pending = new(StringComparer.Ordinal);
    private bool _writing;
    private Task _lastWrite = Task.CompletedTask;

    private string SessionKey => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().LastIndexOf('/')];

    public async Task<Poll> Create(NewPoll poll, Actor moderator)
    {
        if (state.State.Poll is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, "This poll already exists.");
        }

        var question = RequireText(poll.Question, "question");
        var options = (poll.Options ?? []).Select(o => RequireText(o, "option")).ToList();
        if (options.Count is < 2 or > MaxOptions || options.Distinct(StringComparer.Ordinal).Count() != options.Count)
        {
            throw CommunityException.Invalid($"A poll has 2 to {MaxOptions} different options.");
        }

        var parts = this.GetPrimaryKeyString().Split('/');
        await GrainFactory.GetGrain<IEventGrain>($"{parts[0]}/{parts[1]}").RequireSession(parts[2]);

        await ModerationRoles.RequireModerator(GrainFactory, parts[0], moderator);
        state.State.Poll = new Poll(parts[3], parts[0], parts[1], parts[2], question, options, poll.Multiple, true, [.. options.Select(_ => 0)], 0, clock.GetUtcNow());
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IQuestionBoardGrain>(SessionKey).AddPoll(parts[3]);
        await Publish();
        return state.State.Poll;
    }

    public Task<MemberTrace> CollectMember(string userId)
    {
        var parts = this.GetPrimaryKeyString().Split('/');
        return Task.FromResult(state.State.Ballots.TryGetValue(userId, out var choices)
            ? MemberTrace.Empty with { Events = [new EventTrace(parts[1], null, false, [], [], [new PollBallot(parts[2], parts[3], choices)], null)] }
            : MemberTrace.Empty);
    }

    /// <summary>Erasure: the ballot stays counted in the results, under the pseudonym.</summary>
    public async Task EraseMember(string userId, string pseudonym)
    {
        if (state.State.Ballots.Remove(userId, out var choices))
        {
            state.State.Ballots[pseudonym] = choices;
            // Through the chain, never beside a ballot batch's write.
            await Persist();
        }
    }

    public Task<Poll> Get() => Task.FromResult(state.State.Poll ?? throw CommunityException.NotFound("Poll"));

    public async Task<Poll> SetOpen(bool open, Actor moderator)
    {
        var poll = state.State.Poll ?? throw CommunityException.NotFound("Poll");
        await ModerationRoles.RequireModerator(GrainFactory, poll.CommunityId, moderator);
        if (poll.Open != open)
        {
            state.State.Poll = Tallied() with { Open = open };
            try
            {
                await Persist();
            }
            catch
            {
                state.State.Poll = state.State.Poll with { Open = !open };
                throw;
            }

            await Publish();
            if (!open)
            {
                Integrations.Webhooks.Raise(GrainFactory, poll.CommunityId, Integrations.WebhookEventKinds.PollClosed, clock.GetUtcNow(), state.State.Poll!);
            }
        }

        return state.State.Poll!;
    }

    public async Task<Poll> Vote(IReadOnlyList<int> choices, Actor member)
    {
        var poll = state.State.Poll ?? throw CommunityException.NotFound("Poll");
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

        if (state.State.Ballots.TryGetValue(member.UserId, out var stored) && stored.SequenceEqual(ballot) && !_pending.ContainsKey(member.UserId))
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
                var before = batch.Select(b => (b.Key, Had: state.State.Ballots.TryGetValue(b.Key, out var old), Old: old)).ToList();
                foreach (var (voter, (choices, _, _)) in batch)
                {
                    state.State.Ballots[voter] = choices;
                }

                state.State.Poll = Tallied();
                try
                {
                    await Persist();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    foreach (var (voter, had, old) in before)
                    {
                        if (had)
                        {
                            state.State.Ballots[voter] = old!;
                        }
                        else
                        {
                            state.State.Ballots.Remove(voter);
                        }
                    }

                    state.State.Poll = Tallied();
                    foreach (var (_, (_, _, done)) in batch)
                    {
                        done.TrySetException(new CommunityException(ErrorCodes.Unavailable, "The ballot could not be stored; vote again."));
                    }

                    LogWriteFailed(logger, ex, this.GetPrimaryKeyString());
                    continue;
                }

                foreach (var (_, (_, _, done)) in batch)
                {
                    done.TrySetResult(state.State.Poll);
                }

                await Publish();
                AwardFirstBallots([.. batch.Where(b => !before.Exists(x => x.Key == b.Key && x.Had)).Select(b => new Actor(b.Key, b.Value.DisplayName))]);
            }
        }
        finally
        {
            _writing = false;
        }
    }

    // Ballot batches and opening or closing may overlap in this reentrant grain: writes are chained so two never run at once.
    private Task Persist()
    {
        var previous = _lastWrite;
        return _lastWrite = WriteAfter(previous);
    }

    private async Task WriteAfter(Task previous)
    {
        try
        {
            await previous;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Its caller handled that failure; this write carries the current state forward.
            LogWriteFailed(logger, ex, this.GetPrimaryKeyString());
        }

        await state.WriteStateAsync();
    }

    private Poll Tallied()
    {
        var poll = state.State.Poll!;
        var counts = new int[poll.Options.Count];
        foreach (var ballot in state.State.Ballots.Values)
        {
            foreach (var choice in ballot)
            {
                counts[choice]++;
            }
        }

        return poll with { Counts = counts, Voters = state.State.Ballots.Count };
    }

    private static string RequireText(string? text, string what)
    {
        var trimmed = text?.Trim() ?? "";
        return trimmed.Length is 0 or > MaxTextLength || trimmed.Any(char.IsControl)
            ? throw CommunityException.Invalid($"The {what} must be 1 to {MaxTextLength} printable characters.")
            : trimmed;
    }

    /// <summary>A member's first stored ballot in this poll earns <c>poll_vote</c> (once: the source is the poll); best effort, one-way.</summary>
    private void AwardFirstBallots(IReadOnlyList<Actor> voters)
    {
        var poll = state.State.Poll!;
        var now = clock.GetUtcNow();
        foreach (var voter in voters)
        {
            GrainFactory.GetGrain<IMemberPointsGrain>(MemberKey.For(poll.CommunityId, voter.UserId)).Record(
                [new ActivityEvent($"poll:{poll.EventId}/{poll.SessionId}/{poll.Id}", poll.CommunityId, voter.UserId, voter.DisplayName, ActionKinds.PollVote, now, null, EventId: poll.EventId)]).Ignore();
        }
    }

    private async Task Publish()
    {
        try
        {
            await this.GetStreamProvider(StreamNames.Provider).GetStream<SessionStreamEvent>(StreamNames.ForSession(SessionKey))
                .OnNextAsync(new PollUpdated(state.State.Poll!));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogWriteFailed(logger, ex, this.GetPrimaryKeyString());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Poll {Poll}: storing ballots or publishing results failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, string poll);
}
