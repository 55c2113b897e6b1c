using CommunityScale.Communities;
using Orleans.Concurrency;

namespace CommunityScale.Events;

/// <summary>A question asked in a session's live Q&amp;A; the payload of <c>QuestionAsked</c> and <c>QuestionUpdated</c>.</summary>
[GenerateSerializer, Immutable, Alias("cs.Question")]
public sealed record Question(
    [property: Id(0)] string Id,
    [property: Id(1)] string CommunityId,
    [property: Id(2)] string EventId,
    [property: Id(3)] string SessionId,
    [property: Id(4)] string AuthorId,
    [property: Id(5)] string AuthorName,
    [property: Id(6)] string Text,
    [property: Id(7)] DateTimeOffset AskedAt,
    [property: Id(8)] int Votes,
    [property: Id(9)] bool Answered,
    [property: Id(10)] bool Pinned,
    [property: Id(11)] bool Hidden);

/// <summary>A moderator's change of a question; what is null stays.</summary>
[GenerateSerializer, Immutable, Alias("cs.QuestionModeration")]
public sealed record QuestionModeration([property: Id(0)] bool? Answered, [property: Id(1)] bool? Pinned, [property: Id(2)] bool? Hidden);

/// <summary>
/// A session's Q&amp;A board (key: <c>community/event/session</c>): asks, the order (pinned, then votes, then age),
/// moderation, and the live pushes. Votes are counted by each question's own grain and reported here as tallies.
/// </summary>
[Alias("cs.IQuestionBoardGrain")]
public interface IQuestionBoardGrain : IGrainWithStringKey, Privacy.IHoldsMemberData
{
    [Alias("Ask")]
    Task<Question> Ask(string text, Actor author);

    /// <summary>Ordered; hidden questions only for moderators.</summary>
    [Alias("List")]
    Task<IReadOnlyList<Question>> List(Actor caller);

    [Alias("Moderate")]
    Task<Question> Moderate(string questionId, QuestionModeration change, Actor moderator);

    [OneWay]
    [Alias("Tally")]
    Task Tally(string questionId, int votes);

    /// <summary>Records a poll of this session (its grain holds the rest), for listing.</summary>
    [Alias("AddPoll")]
    Task AddPoll(string pollId);

    [Alias("ListPolls")]
    Task<IReadOnlyList<Poll>> ListPolls();
}

/// <summary>One question's votes (key: <c>community/event/session/question</c>): one per member, group-committed.</summary>
[Alias("cs.IQuestionGrain")]
public interface IQuestionGrain : IGrainWithStringKey, Privacy.IHoldsMemberData
{
    [Alias("Open")]
    Task Open();

    /// <summary>Counts the member's vote once (again: unchanged); answers after the vote is stored, with the count.</summary>
    [Alias("Upvote")]
    Task<int> Upvote(Actor member);

    [AlwaysInterleave]
    [Alias("GetVotes")]
    Task<int> GetVotes();
}
