using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Scheduling;
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
    private readonly Posting.SlidingWindowRateLimiter _askLimiter = new(5, TimeSpan.FromMinutes(1));
    private readonly StateWriter<QuestionBoardState> _writer = new(state);
    private SessionKey _key;

    private QuestionBoardState S => _writer.State;

    private string CommunityId => _key.Event.CommunityId;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = SessionKey.Parse(this.GetPrimaryKeyString());
        // The tallies are the question grains'; after a restart, ask them rather than trust the last copy.
        var votes = await Task.WhenAll(S.Questions.Select(q => QuestionGrain(q.Id).GetVotes()));
        for (var i = 0; i < votes.Length; i++)
        {
            S.Questions[i] = S.Questions[i] with { Votes = votes[i] };
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

        await GrainFactory.Event(_key.Event).RequireSession(_key.SessionId);

        var now = clock.GetUtcNow();
        PostingRules.RequireMayPost(await PostingRules.RequireMember(GrainFactory, CommunityId, author.UserId), now);
        if (!_askLimiter.TryAcquire(author.UserId, now, out var retryAfter))
        {
            throw new CommunityException(ErrorCodes.RateLimited, $"At most 5 questions a minute; try again in {Math.Ceiling(retryAfter.TotalSeconds):0} s.");
        }

        if (S.Questions.Count >= MaxQuestions)
        {
            throw CommunityException.Invalid($"This session already has {MaxQuestions} questions.");
        }

        var question = new Question(Guid.NewGuid().ToString("n"), CommunityId, _key.Event.EventId, _key.SessionId, author.UserId, author.DisplayName, body, now, 0, false, false, false);
        await QuestionGrain(question.Id).Open();
        S.Questions.Add(question);
        await _writer.Write();
        await Publish(new QuestionAsked(question));
        return question;
    }

    public async Task<IReadOnlyList<Question>> List(Actor caller)
    {
        var moderator = false;
        if (S.Questions.Any(q => q.Hidden))
        {
            var member = await GrainFactory.Member(CommunityId, caller.UserId).Get();
            moderator = member?.Role >= MemberRole.Moderator;
        }

        return [.. S.Questions.Where(q => moderator || !q.Hidden).OrderByDescending(q => q.Pinned).ThenByDescending(q => q.Votes).ThenBy(q => q.AskedAt)];
    }

    public async Task<Question> Moderate(string questionId, QuestionModeration change, Actor moderator)
    {
        var index = S.Questions.FindIndex(q => q.Id == questionId);
        if (index < 0)
        {
            throw CommunityException.NotFound("Question");
        }

        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator, Access.Permissions.ManageMessages);
        var q = S.Questions[index];
        var changed = q with { Answered = change.Answered ?? q.Answered, Pinned = change.Pinned ?? q.Pinned, Hidden = change.Hidden ?? q.Hidden };
        S.Questions[index] = changed;
        await _writer.Write();
        await Publish(new QuestionUpdated(changed));
        return changed;
    }

    public async Task Tally(string questionId, int votes)
    {
        var index = S.Questions.FindIndex(q => q.Id == questionId);
        if (index < 0 || S.Questions[index].Votes >= votes)
        {
            return;
        }

        // Not written: the question grain holds the count, and activation reads it back.
        var updated = S.Questions[index] with { Votes = votes };
        S.Questions[index] = updated;
        await Publish(new QuestionUpdated(updated));
    }

    public async Task AddPoll(string pollId)
    {
        if (!S.PollIds.Contains(pollId))
        {
            S.PollIds.Add(pollId);
            await _writer.Write();
        }
    }

    public async Task<IReadOnlyList<Poll>> ListPolls() =>
        await Task.WhenAll(S.PollIds.Select(id => GrainFactory.Poll(_key.Item(id)).Get()));

    public async Task<MemberTrace> CollectMember(string userId)
    {
        var parts = new List<MemberTrace>
        {
            MemberTrace.Empty with
            {
                Events = [new EventTrace(_key.Event.EventId, null, false, [.. S.Questions.Where(q => q.AuthorId == userId)], [], [], null)],
            },
        };
        foreach (var question in S.Questions)
        {
            parts.Add(await QuestionGrain(question.Id).CollectMember(userId));
        }

        foreach (var pollId in S.PollIds)
        {
            parts.Add(await GrainFactory.Poll(_key.Item(pollId)).CollectMember(userId));
        }

        return MemberTrace.MergeAll(parts);
    }

    /// <summary>Erasure: the member's questions keep their place and votes, not their words or author; votes and ballots stay counted, as the pseudonym.</summary>
    public async Task EraseMember(string userId, string pseudonym)
    {
        var changed = false;
        for (var i = 0; i < S.Questions.Count; i++)
        {
            if (S.Questions[i].AuthorId == userId)
            {
                S.Questions[i] = S.Questions[i] with { AuthorId = "", AuthorName = Tombstones.Author, Text = "", Hidden = true };
                changed = true;
            }
        }

        if (changed)
        {
            await _writer.Write();
        }

        foreach (var question in S.Questions)
        {
            await QuestionGrain(question.Id).EraseMember(userId, pseudonym);
        }

        foreach (var pollId in S.PollIds)
        {
            await GrainFactory.Poll(_key.Item(pollId)).EraseMember(userId, pseudonym);
        }

        // The ask limiter remembers who asked lately: a fresh activation does not.
        DeactivateOnIdle();
    }

    private IQuestionGrain QuestionGrain(string id) => GrainFactory.Question(_key.Item(id));

    private async Task Publish(SessionStreamEvent change)
    {
        try
        {
            await this.GetStreamProvider(StreamNames.Provider).GetStream<SessionStreamEvent>(StreamNames.ForSession(_key.ToString())).OnNextAsync(change);
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
/// goes to the board, once per write. Every write (vote batches, opening, an erasure) goes through one
/// <see cref="StateWriter{T}"/>, so none overlaps another.
/// </summary>
[Reentrant]
public sealed partial class QuestionGrain(
    [PersistentState("question", StorageNames.Main)] IPersistentState<QuestionState> state,
    ILogger<QuestionGrain> logger) : Grain, IQuestionGrain
{
    private readonly Dictionary<string, TaskCompletionSource<int>> _pending = new(StringComparer.Ordinal);
    private readonly StateWriter<QuestionState> _writer = new(state);
    private bool _writing;

    private QuestionState S => _writer.State;

    private SessionItemKey Key => SessionItemKey.Parse(this.GetPrimaryKeyString());

    public async Task Open()
    {
        S.Open = true;
        await _writer.Write();
    }

    public Task<MemberTrace> CollectMember(string userId)
    {
        var key = Key;
        return Task.FromResult(S.Voters.Contains(userId)
            ? MemberTrace.Empty with { Events = [new EventTrace(key.Session.Event.EventId, null, false, [], [$"{key.Session.SessionId}/{key.ItemId}"], [], null)] }
            : MemberTrace.Empty);
    }

    public async Task EraseMember(string userId, string pseudonym)
    {
        if (S.Voters.Remove(userId))
        {
            S.Voters.Add(pseudonym);
            try
            {
                await _writer.Write();
            }
            catch
            {
                // Storage still holds the id: a fresh activation retries cleanly.
                DeactivateOnIdle();
                throw;
            }
        }
    }

    public async Task<int> Upvote(Actor member)
    {
        if (!S.Open)
        {
            throw CommunityException.NotFound("Question");
        }

        if (S.Voters.Contains(member.UserId))
        {
            return S.Voters.Count;
        }

        PostingRules.RequireNotBanned(await PostingRules.RequireMember(GrainFactory, Key.Session.Event.CommunityId, member.UserId));
        return S.Voters.Contains(member.UserId) ? S.Voters.Count : await Enlist(member.UserId);
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

    public Task<int> GetVotes() => Task.FromResult(S.Voters.Count);

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
                    S.Voters.Add(voter);
                }

                try
                {
                    await _writer.Write();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    foreach (var (voter, waiter) in batch)
                    {
                        S.Voters.Remove(voter);
                        waiter.TrySetException(new CommunityException(ErrorCodes.Unavailable, "The vote could not be stored; vote again."));
                    }

                    LogWriteFailed(logger, ex, this.GetPrimaryKeyString());
                    continue;
                }

                var count = S.Voters.Count;
                foreach (var (_, waiter) in batch)
                {
                    waiter.TrySetResult(count);
                }

                // One-way, not recorded: the board's copy is derived (the next vote sends a newer count, and the board
                // asks every question for its count when it activates).
                var key = Key;
                GrainFactory.QuestionBoard(key.Session).Tally(key.ItemId, count).Ignore();
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
