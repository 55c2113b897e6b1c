using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace CommunityScale.Events;

[GenerateSerializer, Alias("cs.QuestionBoardState")]
public sealed class QuestionBoardState
{
    [Id(0)] public List<Question> Questions { get; set; } = [];

    [Id(1)] public List<string> PollIds { get; set; } = [];
}

/// <summary>
/// A session's Q&amp;A. Asks and moderation are stored here; votes are not (each question's grain counts its own), so
/// a hot board never funnels every vote through one grain: it only takes each question's tally, once per stored batch.
/// </summary>
public sealed partial class QuestionBoardGrain(
    [PersistentState("qa", StorageNames.Main)] IPersistentState<QuestionBoardState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    ILogger<QuestionBoardGrain> logger) : Grain, IQuestionBoardGrain
{
    public const int MaxQuestions = 500;
    public const int MaxTextLength = 500;
    private readonly Chat.SlidingWindowRateLimiter _askLimiter = new(5, TimeSpan.FromMinutes(1));
    private string _communityId = "";
    private string _eventId = "";
    private string _sessionId = "";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var parts = this.GetPrimaryKeyString().Split('/');
        (_communityId, _eventId, _sessionId) = (parts[0], parts[1], parts[2]);
        // The tallies are the question grains'; after a restart, ask them rather than trust the last copy.
        var votes = await Task.WhenAll(state.State.Questions.Select(q => QuestionGrain(q.Id).GetVotes()));
        for (var i = 0; i < votes.Length; i++)
        {
            state.State.Questions[i] = state.State.Questions[i] with { Votes = votes[i] };
        }
    }

    public async Task<Question> Ask(string text, Actor author)
    {
        var body = text?.Trim() ?? "";
        if (body.Length == 0 || body.Length > MaxTextLength)
        {
            throw body.Length == 0 ? CommunityException.Invalid("The question is empty.")
                : new CommunityException(ErrorCodes.TooLong, $"A question has at most {MaxTextLength} characters.");
        }

        await GrainFactory.GetGrain<IEventGrain>($"{_communityId}/{_eventId}").RequireSession(_sessionId);

        var now = clock.GetUtcNow();
        PostingRules.RequireMayPost(await PostingRules.RequireMember(GrainFactory, _communityId, author.UserId), now);
        if (!_askLimiter.TryAcquire(author.UserId, now, out var retryAfter))
        {
            throw new CommunityException(ErrorCodes.RateLimited, $"At most 5 questions a minute; try again in {Math.Ceiling(retryAfter.TotalSeconds):0} s.");
        }

        if (state.State.Questions.Count >= MaxQuestions)
        {
            throw CommunityException.Invalid($"This session already has {MaxQuestions} questions.");
        }

        var question = new Question(Guid.NewGuid().ToString("n"), _communityId, _eventId, _sessionId, author.UserId, author.DisplayName, body, now, 0, false, false, false);
        await QuestionGrain(question.Id).Open();
        state.State.Questions.Add(question);
        await state.WriteStateAsync();
        await Publish(new QuestionAsked(question));
        return question;
    }

    public async Task<IReadOnlyList<Question>> List(Actor caller)
    {
        var moderator = false;
        if (state.State.Questions.Any(q => q.Hidden))
        {
            var member = await GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(_communityId, caller.UserId)).Get();
            moderator = member?.Role >= MemberRole.Moderator;
        }

        return [.. state.State.Questions.Where(q => moderator || !q.Hidden).OrderByDescending(q => q.Pinned).ThenByDescending(q => q.Votes).ThenBy(q => q.AskedAt)];
    }

    public async Task<Question> Moderate(string questionId, QuestionModeration change, Actor moderator)
    {
        var index = state.State.Questions.FindIndex(q => q.Id == questionId);
        if (index < 0)
        {
            throw CommunityException.NotFound("Question");
        }

        await ModerationRoles.RequireModerator(GrainFactory, _communityId, moderator);
        var q = state.State.Questions[index];
        var changed = q with { Answered = change.Answered ?? q.Answered, Pinned = change.Pinned ?? q.Pinned, Hidden = change.Hidden ?? q.Hidden };
        state.State.Questions[index] = changed;
        await state.WriteStateAsync();
        await Publish(new QuestionUpdated(changed));
        return changed;
    }

    public async Task Tally(string questionId, int votes)
    {
        var index = state.State.Questions.FindIndex(q => q.Id == questionId);
        if (index < 0 || state.State.Questions[index].Votes >= votes)
        {
            return;
        }

        // Not written: the question grain holds the count, and activation reads it back.
        var updated = state.State.Questions[index] with { Votes = votes };
        state.State.Questions[index] = updated;
        await Publish(new QuestionUpdated(updated));
    }

    public async Task AddPoll(string pollId)
    {
        if (!state.State.PollIds.Contains(pollId))
        {
            state.State.PollIds.Add(pollId);
            await state.WriteStateAsync();
        }
    }

    public async Task<IReadOnlyList<Poll>> ListPolls() =>
        await Task.WhenAll(state.State.PollIds.Select(id => GrainFactory.GetGrain<IPollGrain>($"{this.GetPrimaryKeyString()}/{id}").Get()));

    public async Task<MemberTrace> CollectMember(string userId)
    {
        var parts = new List<MemberTrace>
        {
            MemberTrace.Empty with
            {
                Events = [new EventTrace(_eventId, null, false, [.. state.State.Questions.Where(q => q.AuthorId == userId)], [], [], null)],
            },
        };
        foreach (var question in state.State.Questions)
        {
            parts.Add(await QuestionGrain(question.Id).CollectMember(userId));
        }

        foreach (var pollId in state.State.PollIds)
        {
            parts.Add(await GrainFactory.GetGrain<IPollGrain>($"{this.GetPrimaryKeyString()}/{pollId}").CollectMember(userId));
        }

        return MemberTrace.MergeAll(parts);
    }

    /// <summary>Erasure: the member's questions keep their place and votes, not their words or author; votes and ballots stay counted, as the pseudonym.</summary>
    public async Task EraseMember(string userId, string pseudonym)
    {
        var changed = false;
        for (var i = 0; i < state.State.Questions.Count; i++)
        {
            if (state.State.Questions[i].AuthorId == userId)
            {
                state.State.Questions[i] = state.State.Questions[i] with { AuthorId = "", AuthorName = Tombstones.Author, Text = "", Hidden = true };
                changed = true;
            }
        }

        if (changed)
        {
            await state.WriteStateAsync();
        }

        foreach (var question in state.State.Questions)
        {
            await QuestionGrain(question.Id).EraseMember(userId, pseudonym);
        }

        foreach (var pollId in state.State.PollIds)
        {
            await GrainFactory.GetGrain<IPollGrain>($"{this.GetPrimaryKeyString()}/{pollId}").EraseMember(userId, pseudonym);
        }

        // The ask limiter remembers who asked lately: a fresh activation does not.
        DeactivateOnIdle();
    }

    private IQuestionGrain QuestionGrain(string id) => GrainFactory.GetGrain<IQuestionGrain>($"{this.GetPrimaryKeyString()}/{id}");

    private async Task Publish(SessionStreamEvent change)
    {
        try
        {
            await this.GetStreamProvider(StreamNames.Provider).GetStream<SessionStreamEvent>(StreamNames.ForSession(this.GetPrimaryKeyString())).OnNextAsync(change);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The board is the record; a client re-reads it after a reconnect.
            LogPublishFailed(logger, ex, this.GetPrimaryKeyString());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing on session {Session} failed")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string session);
}

[GenerateSerializer, Alias("cs.QuestionState")]
public sealed class QuestionState
{
    [Id(0)] public bool Open { get; set; }

    [Id(1)] public HashSet<string> Voters { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One question's votes, group-committed like chat sends: the grain is reentrant, votes that arrive while a write is
/// in flight are stored together by the next one, and each vote is answered only after its write. Then the new count
/// goes to the board, once per write.
/// </summary>
[Reentrant]
public sealed partial class QuestionGrain(
    [PersistentState("question", StorageNames.Main)] IPersistentState<QuestionState> state,
    ILogger<QuestionGrain> logger) : Grain, IQuestionGrain
{
    private readonly Dictionary<string, TaskCompletionSource<int>> _pending = new(StringComparer.Ordinal);
    private bool _writing;

    public async Task Open()
    {
        state.State.Open = true;
        await state.WriteStateAsync();
    }

    public Task<MemberTrace> CollectMember(string userId)
    {
        var parts = this.GetPrimaryKeyString().Split('/');
        return Task.FromResult(state.State.Voters.Contains(userId)
            ? MemberTrace.Empty with { Events = [new EventTrace(parts[1], null, false, [], [$"{parts[2]}/{parts[3]}"], [], null)] }
            : MemberTrace.Empty);
    }

    public async Task EraseMember(string userId, string pseudonym)
    {
        if (state.State.Voters.Remove(userId))
        {
            state.State.Voters.Add(pseudonym);
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                // Storage still holds the id (a vote batch's write may have raced this one): a fresh activation retries cleanly.
                DeactivateOnIdle();
                throw;
            }
        }
    }

    public async Task<int> Upvote(Actor member)
    {
        if (!state.State.Open)
        {
            throw CommunityException.NotFound("Question");
        }

        if (state.State.Voters.Contains(member.UserId))
        {
            return state.State.Voters.Count;
        }

        var key = this.GetPrimaryKeyString();
        PostingRules.RequireNotBanned(await PostingRules.RequireMember(GrainFactory, key[..key.IndexOf('/', StringComparison.Ordinal)], member.UserId));
        return state.State.Voters.Contains(member.UserId) ? state.State.Voters.Count : await Enlist(member.UserId);
    }

    /// <summary>Queues the vote for the next write and returns when it is stored (a second vote while queued shares the first's wait).</summary>
    private Task<int> Enlist(string userId)
    {
        if (!_pending.TryGetValue(userId, out var waiting))
        {
            _pending[userId] = waiting = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_writing)
            {
                _writing = true;
                _ = WriteVotes();
            }
        }

        return waiting.Task;
    }

    public Task<int> GetVotes() => Task.FromResult(state.State.Voters.Count);

    private async Task WriteVotes()
    {
        try
        {
            while (_pending.Count > 0)
            {
                var batch = _pending.ToList();
                _pending.Clear();
                foreach (var (voter, _) in batch)
                {
                    state.State.Voters.Add(voter);
                }

                try
                {
                    await state.WriteStateAsync();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    foreach (var (voter, waiter) in batch)
                    {
                        state.State.Voters.Remove(voter);
                        waiter.TrySetException(new CommunityException(ErrorCodes.Unavailable, "The vote could not be stored; vote again."));
                    }

                    LogWriteFailed(logger, ex, this.GetPrimaryKeyString());
                    continue;
                }

                var count = state.State.Voters.Count;
                foreach (var (_, waiter) in batch)
                {
                    waiter.TrySetResult(count);
                }

                var key = this.GetPrimaryKeyString();
                GrainFactory.GetGrain<IQuestionBoardGrain>(key[..key.LastIndexOf('/')]).Tally(key[(key.LastIndexOf('/') + 1)..], count).Ignore();
            }
        }
        finally
        {
            _writing = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing votes of question {Question} failed; they were refused")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, string question);
}
