using CommunityScale.Errors;
using CommunityScale.Events;
using CommunityScale.Gateway.Auth;

namespace CommunityScale.Gateway.Api;

public sealed record AskRequest(string? Text);

public sealed record VoteCount(int Votes);

public sealed record OpenRequest(bool Open);

public sealed record BallotRequest(IReadOnlyList<int>? Choices);

/// <summary>Events: agenda, RSVP and waitlist, check-in, and each session's live Q&amp;A.</summary>
public static class EventEndpoints
{
    public static void MapEventsApi(this WebApplication app)
    {
        var events = app.MapGroup("/api/communities/{communityId}/events").RequireAuthorization().WithTags("Events").Gated(CommunityGateMode.Content);

        events.MapPost("/", async (string communityId, NewEvent newEvent, HttpContext http, IClusterClient cluster) =>
        {
            var created = await Event(cluster, communityId, newEvent.Id).Create(newEvent, http.User.ToActor());
            return Results.Created($"/api/communities/{communityId}/events/{created.Id}", created);
        });

        events.MapGet("/", (string communityId, IClusterClient cluster) =>
            cluster.GetGrain<IEventCalendarGrain>(InputRules.RequireId(communityId, "community id")).List());

        events.MapGet("/{eventId}", (string communityId, string eventId, IClusterClient cluster) => Event(cluster, communityId, eventId).Get());

        events.MapGet("/{eventId}/rsvp", (string communityId, string eventId, HttpContext http, IClusterClient cluster) =>
            Event(cluster, communityId, eventId).GetRsvp(http.User.ToActor().UserId));

        events.MapPut("/{eventId}/rsvp", (string communityId, string eventId, HttpContext http, IClusterClient cluster) =>
            Event(cluster, communityId, eventId).Rsvp(http.User.ToActor()));

        events.MapDelete("/{eventId}/rsvp", (string communityId, string eventId, HttpContext http, IClusterClient cluster) =>
            Event(cluster, communityId, eventId).Cancel(http.User.ToActor()));

        events.MapPost("/{eventId}/checkin", (string communityId, string eventId, HttpContext http, IClusterClient cluster) =>
            Event(cluster, communityId, eventId).CheckIn(http.User.ToActor()));

        events.MapPut("/{eventId}/survey", (string communityId, string eventId, SurveyAnswer answer, HttpContext http, IClusterClient cluster) =>
            cluster.Survey(EventOf(communityId, eventId)).Answer(answer, http.User.ToActor()));

        events.MapGet("/{eventId}/survey/results", (string communityId, string eventId, HttpContext http, IClusterClient cluster) =>
            cluster.Survey(EventOf(communityId, eventId)).Results(http.User.ToActor()));

        events.MapGet("/{eventId}/sessions/{sessionId}/questions", (string communityId, string eventId, string sessionId, HttpContext http, IClusterClient cluster) =>
            Board(cluster, communityId, eventId, sessionId).List(http.User.ToActor()));

        events.MapPost("/{eventId}/sessions/{sessionId}/questions", async (string communityId, string eventId, string sessionId, AskRequest request, HttpContext http, IClusterClient cluster) =>
        {
            var question = await Board(cluster, communityId, eventId, sessionId).Ask(request.Text ?? "", http.User.ToActor());
            return Results.Created($"/api/communities/{communityId}/events/{eventId}/sessions/{sessionId}/questions/{question.Id}", question);
        });

        events.MapPut("/{eventId}/sessions/{sessionId}/questions/{questionId}/vote", async (string communityId, string eventId, string sessionId, string questionId, HttpContext http, IClusterClient cluster) =>
            new VoteCount(await cluster.Question(SessionOf(communityId, eventId, sessionId).Item(InputRules.RequireId(questionId, "question id"))).Upvote(http.User.ToActor())));

        events.MapPut("/{eventId}/sessions/{sessionId}/questions/{questionId}", (string communityId, string eventId, string sessionId, string questionId, QuestionModeration change, HttpContext http, IClusterClient cluster) =>
            Board(cluster, communityId, eventId, sessionId).Moderate(InputRules.RequireId(questionId, "question id"), change, http.User.ToActor()));
    }

    public static void MapPollsApi(this WebApplication app)
    {
        var polls = app.MapGroup("/api/communities/{communityId}/events/{eventId}/sessions/{sessionId}/polls").RequireAuthorization().WithTags("Events").Gated(CommunityGateMode.Content);

        polls.MapGet("/", (string communityId, string eventId, string sessionId, IClusterClient cluster) =>
            Board(cluster, communityId, eventId, sessionId).ListPolls());

        polls.MapPost("/", async (string communityId, string eventId, string sessionId, NewPoll poll, HttpContext http, IClusterClient cluster) =>
        {
            var created = await cluster.Poll(SessionOf(communityId, eventId, sessionId).Item(Guid.NewGuid().ToString("n"))).Create(poll, http.User.ToActor());
            return Results.Created($"/api/communities/{communityId}/events/{eventId}/sessions/{sessionId}/polls/{created.Id}", created);
        });

        polls.MapPut("/{pollId}/open", (string communityId, string eventId, string sessionId, string pollId, OpenRequest request, HttpContext http, IClusterClient cluster) =>
            PollGrain(cluster, communityId, eventId, sessionId, pollId).SetOpen(request.Open, http.User.ToActor()));

        polls.MapPut("/{pollId}/vote", (string communityId, string eventId, string sessionId, string pollId, BallotRequest request, HttpContext http, IClusterClient cluster) =>
            PollGrain(cluster, communityId, eventId, sessionId, pollId).Vote(request.Choices ?? [], http.User.ToActor()));
    }

    private static IPollGrain PollGrain(IClusterClient cluster, string communityId, string eventId, string sessionId, string pollId) =>
        cluster.Poll(SessionOf(communityId, eventId, sessionId).Item(InputRules.RequireId(pollId, "poll id")));

    /// <summary>A session's key as its stream and hub group name it (<c>community/event/session</c>), from checked ids.</summary>
    public static string SessionKey(string communityId, string eventId, string sessionId) => SessionOf(communityId, eventId, sessionId).ToString();

    private static CommunityScale.SessionKey SessionOf(string communityId, string eventId, string sessionId) =>
        EventOf(communityId, eventId).Session(InputRules.RequireId(sessionId, "session id"));

    private static EventKey EventOf(string communityId, string eventId) =>
        new(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(eventId, "event id"));

    private static IEventGrain Event(IClusterClient cluster, string communityId, string eventId) => cluster.Event(EventOf(communityId, eventId));

    private static IQuestionBoardGrain Board(IClusterClient cluster, string communityId, string eventId, string sessionId) =>
        cluster.QuestionBoard(SessionOf(communityId, eventId, sessionId));
}
