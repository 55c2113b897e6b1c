using CommunityScale.Communities;
using Orleans.Concurrency;

namespace CommunityScale.Integrations;

/// <summary>The event kinds an endpoint may subscribe to (docs/api.md).</summary>
public static class WebhookEventKinds
{
    public const string MemberJoined = "member.joined";
    public const string MessageAccepted = "message.accepted";
    public const string MessageRemoved = "message.removed";
    public const string ThreadCreated = "thread.created";

    /// <summary>A reply in a forum thread (the opening post comes with <see cref="ThreadCreated"/>).</summary>
    public const string PostCreated = "post.created";
    public const string AnswerAccepted = "answer.accepted";
    public const string PointsAwarded = "points.awarded";
    public const string BadgeAwarded = "badge.awarded";
    public const string ModerationAction = "moderation.action";
    public const string EventRsvp = "event.rsvp";
    public const string EventCheckIn = "event.checkin";
    public const string PollClosed = "poll.closed";
    public const string SurveyAnswered = "survey.answered";

    /// <summary>A member was erased: systems that copied their data must delete it too (its payload is <see cref="MemberErased"/>).</summary>
    public const string MemberErased = "member.erased";

    public static IReadOnlyList<string> All { get; } =
        [MemberJoined, MessageAccepted, MessageRemoved, ThreadCreated, PostCreated, AnswerAccepted, PointsAwarded, BadgeAwarded, ModerationAction,
            EventRsvp, EventCheckIn, PollClosed, SurveyAnswered, MemberErased];
}

/// <summary>
/// The payload of <c>member.erased</c>. It names the user id on purpose: a receiver holding their data cannot find it
/// otherwise (GDPR Art. 19 asks us to tell recipients). It is the only place an erased id still travels.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.MemberErased")]
public sealed record MemberErased([property: Id(0)] string CommunityId, [property: Id(1)] string UserId, [property: Id(2)] DateTimeOffset ErasedAt);

/// <summary>
/// One thing that happened, as an endpoint receives it: <see cref="Id"/> is unique (receivers de-duplicate on it; a retry
/// carries the same id), <see cref="Data"/> is the JSON of the domain record.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.WebhookEvent")]
public sealed record WebhookEvent(
    [property: Id(0)] string Id,
    [property: Id(1)] string Kind,
    [property: Id(2)] string CommunityId,
    [property: Id(3)] DateTimeOffset OccurredAt,
    [property: Id(4)] string Data,
    [property: Id(5)] string? ChannelId = null,
    [property: Id(6)] string? CategoryId = null);

/// <summary>An endpoint as admins see it (never its secret).</summary>
[GenerateSerializer, Immutable, Alias("cs.WebhookEndpointInfo")]
public sealed record WebhookEndpointInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string CommunityId,
    [property: Id(2)] string Url,
    [property: Id(3)] IReadOnlyList<string> Events,
    [property: Id(4)] bool Enabled,
    [property: Id(5)] string? DisabledReason,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] int Queued,
    [property: Id(8)] long Delivered,
    [property: Id(9)] int DeadLetters,
    [property: Id(10)] DateTimeOffset? PreviousSecretValidUntil);

/// <summary>A new or rotated secret: shown once, in this answer only.</summary>
[GenerateSerializer, Immutable, Alias("cs.WebhookSecret")]
public sealed record WebhookSecret([property: Id(0)] WebhookEndpointInfo Endpoint, [property: Id(1)] string Secret);

/// <summary>An event an endpoint did not take within the retry budget, with why; replayable.</summary>
[GenerateSerializer, Immutable, Alias("cs.DeadLetter")]
public sealed record DeadLetter(
    [property: Id(0)] WebhookEvent Event,
    [property: Id(1)] string Error,
    [property: Id(2)] int Attempts,
    [property: Id(3)] DateTimeOffset FailedAt);

/// <summary>
/// A community's webhook endpoints (key: community id): registration by admins, and the fan-out of raised events to the
/// endpoints that want them. Grains raise events one-way, so nothing they do waits for a receiver.
/// </summary>
[Alias("cs.IWebhookRegistryGrain")]
public interface IWebhookRegistryGrain : IGrainWithStringKey
{
    [Alias("Register")]
    Task<WebhookSecret> Register(string url, IReadOnlyList<string> events, Actor caller);

    [Alias("List")]
    Task<IReadOnlyList<WebhookEndpointInfo>> List(Actor caller);

    [Alias("Remove")]
    Task Remove(string endpointId, Actor caller);

    [Alias("RotateSecret")]
    Task<WebhookSecret> RotateSecret(string endpointId, Actor caller);

    /// <summary>Turns an endpoint on again after it was disabled for failing (or off by hand).</summary>
    [Alias("SetEnabled")]
    Task<WebhookEndpointInfo> SetEnabled(string endpointId, bool enabled, Actor caller);

    [Alias("GetDeadLetters")]
    Task<IReadOnlyList<DeadLetter>> GetDeadLetters(string endpointId, Actor caller);

    [Alias("Replay")]
    Task<int> Replay(string endpointId, string? eventId, Actor caller);

    [OneWay]
    [Alias("Raise")]
    Task Raise(IReadOnlyList<WebhookEvent> events);

    /// <summary>
    /// As <see cref="Raise"/>, but answered once every endpoint has queued the events: for an outbox that must know they
    /// arrived. Endpoints drop an event id they already hold, so a repeat is harmless.
    /// </summary>
    [Alias("Hand")]
    Task Hand(IReadOnlyList<WebhookEvent> events);

    /// <summary>The kinds some endpoint wants, so hot paths (every chat batch) skip building events nobody takes.</summary>
    [AlwaysInterleave]
    [Alias("GetWantedKinds")]
    Task<IReadOnlyList<string>> GetWantedKinds();

    /// <summary>Export: the events waiting at some endpoint (queued or dead-lettered) that <see cref="ForgetMember"/> would drop, each once.</summary>
    [Alias("CollectMember")]
    Task<IReadOnlyList<WebhookEvent>> CollectMember(string userId);

    /// <summary>Erasure: every endpoint forgets what it holds about the member.</summary>
    [Alias("ForgetMember")]
    Task ForgetMember(string userId);
}

/// <summary>
/// One endpoint (key: <c>community/endpointId</c>): its queue, delivered in order one at a time, signed, retried with
/// backoff and jitter for a bounded time; what still fails goes to the dead-letter list.
/// </summary>
[Alias("cs.IWebhookEndpointGrain")]
public interface IWebhookEndpointGrain : IGrainWithStringKey
{
    [Alias("Create")]
    Task<WebhookSecret> Create(string url, IReadOnlyList<string> events, string createdBy);

    [Alias("Get")]
    Task<WebhookEndpointInfo?> Get();

    [Alias("Enqueue")]
    Task Enqueue(IReadOnlyList<WebhookEvent> events);

    /// <summary>A new secret; the old one still signs (a second signature) until the overlap window ends.</summary>
    [Alias("RotateSecret")]
    Task<WebhookSecret> RotateSecret();

    [Alias("SetEnabled")]
    Task<WebhookEndpointInfo> SetEnabled(bool enabled);

    [Alias("GetDeadLetters")]
    Task<IReadOnlyList<DeadLetter>> GetDeadLetters();

    /// <summary>Queues dead letters again (all, or the one with <paramref name="eventId"/>); returns how many.</summary>
    [Alias("Replay")]
    Task<int> Replay(string? eventId);

    [Alias("Delete")]
    Task Delete();

    /// <summary>Export: the queued events and dead letters that carry the member's id.</summary>
    [Alias("CollectMember")]
    Task<IReadOnlyList<WebhookEvent>> CollectMember(string userId);

    /// <summary>Erasure: drops queued events and dead letters that carry the member's id.</summary>
    [Alias("ForgetMember")]
    Task ForgetMember(string userId);
}
