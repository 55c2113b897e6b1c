using CommunityScale.Communities;

namespace CommunityScale.Events;

/// <summary>A live poll in a session, with its results; the payload of <c>PollUpdated</c>.</summary>
[GenerateSerializer, Immutable, Alias("cs.Poll")]
public sealed record Poll(
    [property: Id(0)] string Id,
    [property: Id(1)] string CommunityId,
    [property: Id(2)] string EventId,
    [property: Id(3)] string SessionId,
    [property: Id(4)] string Question,
    [property: Id(5)] IReadOnlyList<string> Options,
    [property: Id(6)] bool Multiple,
    [property: Id(7)] bool Open,
    [property: Id(8)] IReadOnlyList<int> Counts,
    [property: Id(9)] int Voters,
    [property: Id(10)] DateTimeOffset CreatedAt);

/// <summary><c>POST …/sessions/{s}/polls</c> (moderators): 2–10 options; <see cref="Multiple"/> allows several choices.</summary>
[GenerateSerializer, Immutable, Alias("cs.NewPoll")]
public sealed record NewPoll([property: Id(0)] string Question, [property: Id(1)] IReadOnlyList<string> Options, [property: Id(2)] bool Multiple);

/// <summary>
/// One poll (key: <c>community/event/session/poll</c>). One ballot per member; a second ballot replaces the first (people
/// change their minds while a session runs, and the count stays one per member). Ballots are group-committed.
/// </summary>
[Alias("cs.IPollGrain")]
public interface IPollGrain : IGrainWithStringKey, Privacy.IHoldsMemberData
{
    [Alias("Create")]
    Task<Poll> Create(NewPoll poll, Actor moderator);

    [Alias("Get")]
    Task<Poll> Get();

    /// <summary>Opens or closes the poll (moderators); a closed poll takes no ballots.</summary>
    [Alias("SetOpen")]
    Task<Poll> SetOpen(bool open, Actor moderator);

    /// <summary>Casts (or replaces) the member's ballot: option indexes, one unless the poll allows several.</summary>
    [Alias("Vote")]
    Task<Poll> Vote(IReadOnlyList<int> choices, Actor member);
}
