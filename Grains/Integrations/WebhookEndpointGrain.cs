using System.Globalization;
using System.Text;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace CommunityScale.Integrations;

[GenerateSerializer, Alias("cs.WebhookEndpointState")]
public sealed class WebhookEndpointState
{
    [Id(0)] public string Url { get; set; } = "";

    [Id(1)] public List<string> Events { get; set; } = [];

    [Id(2)] public bool Enabled { get; set; }

    [Id(3)] public string? DisabledReason { get; set; }

    [Id(4)] public DateTimeOffset CreatedAt { get; set; }

    [Id(5)] public string CreatedBy { get; set; } = "";

    [Id(6)] public string Secret { get; set; } = "";

    [Id(7)] public string? PreviousSecret { get; set; }

    [Id(8)] public DateTimeOffset? PreviousSecretValidUntil { get; set; }

    /// <summary>Waiting events, oldest first: delivered strictly in this order.</summary>
    [Id(9)] public List<WebhookEvent> Queue { get; set; } = [];

    [Id(10)] public List<DeadLetter> DeadLetters { get; set; } = [];

    [Id(11)] public long Delivered { get; set; }

    [Id(12)] public int ConsecutiveFailures { get; set; }

    [Id(13)] public bool Exists { get; set; }

    /// <summary>The ids of the latest events taken, so an event handed over again (an outbox's retry) is not sent twice.</summary>
    [Id(14)] public List<string> RecentIds { get; set; } = [];

    /// <summary>The creator's notice that the endpoint was disabled, still owed.</summary>
    [Id(15)] public OutboxState Outbox { get; set; } = new();
}

/// <summary>
/// One endpoint's delivery (see <see cref="IWebhookEndpointGrain"/>). Reentrant, with a single pump: enqueuing never
/// waits for a receiver, and events go out one at a time in queue order. The retry budget lives in the <c>webhooks</c>
/// HttpClient's resilience pipeline (exponential backoff with jitter, per-attempt and total timeouts); an event that
/// exhausts it is dead-lettered and the pump moves on. Every write goes through one <see cref="StateWriter{T}"/>, so
/// the pump's, the requests' and the outbox's writes never overlap; the notice that the endpoint was disabled is stored
/// with the disabling in its <see cref="Outbox"/>.
/// </summary>
[Reentrant]
public sealed partial class WebhookEndpointGrain(
    [PersistentState("webhook", StorageNames.Main)] IPersistentState<WebhookEndpointState> state,
    IHttpClientFactory http,
    IOptions<WebhookOptions> options,
    IOptions<OutboxOptions> outboxOptions,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    ILogger<WebhookEndpointGrain> logger) : Grain, IWebhookEndpointGrain, IRemindable
{
    public const string HttpClientName = "webhooks";
    public const int MaxQueue = 10_000;
    public const int MaxDeadLetters = 1_000;

    // A retry comes within minutes of the first hand-over; this many ids covers far more than that at any webhook rate we take.
    private const int RecentIdsKept = 1_000;

    private readonly StateWriter<WebhookEndpointState> _writer = new(state);
    private Outbox _outbox = null!;
    private bool _pumping;

    private WebhookEndpointState S => _writer.State;

    private string Key => this.GetPrimaryKeyString();

    private WebhookEndpointKey Id => WebhookEndpointKey.Parse(Key);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger);
        _outbox.Activated();
        // Events stored before a restart still go out.
        StartPump();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    public async Task<WebhookSecret> Create(string url, IReadOnlyList<string> events, string createdBy)
    {
        if (S.Exists)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, "This endpoint already exists.");
        }

        S.Exists = true;
        S.Url = url;
        S.Events = [.. events];
        S.Enabled = true;
        S.CreatedAt = clock.GetUtcNow();
        S.CreatedBy = createdBy;
        S.Secret = WebhookSigning.NewSecret();
        await Persist();
        return new WebhookSecret(Info(), S.Secret);
    }

    public Task<WebhookEndpointInfo?> Get() => Task.FromResult(S.Exists ? Info() : null);

    public async Task Enqueue(IReadOnlyList<WebhookEvent> events)
    {
        if (!S.Exists || !S.Enabled)
        {
            return;
        }

        foreach (var e in events)
        {
            if (S.RecentIds.Contains(e.Id))
            {
                continue;
            }

            S.RecentIds.Add(e.Id);
            if (S.RecentIds.Count > RecentIdsKept)
            {
                S.RecentIds.RemoveRange(0, S.RecentIds.Count - RecentIdsKept);
            }

            if (S.Queue.Count >= MaxQueue)
            {
                AddDeadLetter(new DeadLetter(e, $"the endpoint's queue was full ({MaxQueue} events waiting)", 0, clock.GetUtcNow()));
            }
            else
            {
                S.Queue.Add(e);
            }
        }

        await Persist();
        StartPump();
    }

    public async Task<WebhookSecret> RotateSecret()
    {
        RequireExists();
        S.PreviousSecret = S.Secret;
        S.PreviousSecretValidUntil = clock.GetUtcNow() + options.Value.SecretOverlap;
        S.Secret = WebhookSigning.NewSecret();
        await Persist();
        return new WebhookSecret(Info(), S.Secret);
    }

    public async Task<WebhookEndpointInfo> SetEnabled(bool enabled)
    {
        RequireExists();
        S.Enabled = enabled;
        S.DisabledReason = enabled ? null : "disabled by an admin";
        S.ConsecutiveFailures = 0;
        await Persist();
        StartPump();
        return Info();
    }

    public Task<IReadOnlyList<DeadLetter>> GetDeadLetters()
    {
        RequireExists();
        return Task.FromResult<IReadOnlyList<DeadLetter>>([.. S.DeadLetters]);
    }

    public async Task<int> Replay(string? eventId)
    {
        RequireExists();
        var replayed = S.DeadLetters.Where(d => eventId is null || d.Event.Id == eventId).ToList();
        if (eventId is not null && replayed.Count == 0)
        {
            throw CommunityException.NotFound($"Dead letter '{(eventId.Length > 64 ? eventId[..64] : eventId)}'");
        }

        foreach (var letter in replayed)
        {
            S.DeadLetters.Remove(letter);
            S.Queue.Add(letter.Event);
        }

        await Persist();
        StartPump();
        return replayed.Count;
    }

    public async Task Delete()
    {
        S.Exists = false;
        S.Enabled = false;
        S.Queue.Clear();
        S.DeadLetters.Clear();
        // After any write in flight (a pump's), so none lands after the clear.
        await _writer.Clear();
    }

    public Task<IReadOnlyList<WebhookEvent>> CollectMember(string userId)
    {
        var carries = Carries(userId);
        return Task.FromResult<IReadOnlyList<WebhookEvent>>([.. S.Queue.Where(carries), .. S.DeadLetters.Select(d => d.Event).Where(carries)]);
    }

    public Task ForgetMember(string userId)
    {
        var carries = Carries(userId);
        // Event ids are follow-up ids, which name their owner grain (a member's carries the member's id): forgotten too,
        // at the price of a repeat of such an event no longer being recognised.
        var names = new Privacy.Pseudonym(userId, "", "");
        var removed = S.Queue.RemoveAll(e => carries(e)) + S.DeadLetters.RemoveAll(d => carries(d.Event)) + S.RecentIds.RemoveAll(names.Names);
        return removed == 0 ? Task.CompletedTask : _writer.Write();
    }

    private static Func<WebhookEvent, bool> Carries(string userId)
    {
        // Payloads are JSON: the id as a whole string value, never a part of another.
        var quoted = System.Text.Json.JsonSerializer.Serialize(userId);
        return e => e.Data.Contains(quoted, StringComparison.Ordinal);
    }

    private void StartPump()
    {
        if (!_pumping && S.Exists && S.Enabled && S.Queue.Count > 0)
        {
            _pumping = true;
            // Not a follow-up to make durable: the pump is this grain's own loop over its stored queue, started again by
            // the next activation and by every call that changes the queue; it never throws (it logs).
            _ = Pump();
        }
    }

    private async Task Pump()
    {
        try
        {
            while (S.Exists && S.Enabled && S.Queue.Count > 0)
            {
                var next = S.Queue[0];
                var (delivered, error, attempts) = await Deliver(next);
                if (S.Queue.Count == 0 || S.Queue[0].Id != next.Id)
                {
                    continue;
                }

                S.Queue.RemoveAt(0);
                if (delivered)
                {
                    S.Delivered++;
                    S.ConsecutiveFailures = 0;
                }
                else
                {
                    AddDeadLetter(new DeadLetter(next, error!, attempts, clock.GetUtcNow()));
                    if (++S.ConsecutiveFailures >= options.Value.DisableAfterFailures)
                    {
                        S.Enabled = false;
                        S.DisabledReason = $"{S.ConsecutiveFailures} deliveries in a row failed; last: {error}";
                        NotifyDisabled();
                    }
                }

                await _outbox.Store();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPumpFailed(logger, ex, Key);
        }
        finally
        {
            _pumping = false;
        }
    }

    private async Task<(bool Delivered, string? Error, int Attempts)> Deliver(WebhookEvent e)
    {
        var body = WebhookPayload.Json(e);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        var secrets = new List<string> { S.Secret };
        if (S.PreviousSecret is { } previous && S.PreviousSecretValidUntil > clock.GetUtcNow())
        {
            secrets.Add(previous);
        }

        var attempts = new AttemptCounter();
        using var request = new HttpRequestMessage(HttpMethod.Post, S.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookSigning.SignatureHeader, WebhookSigning.Header(secrets, timestamp, body));
        request.Headers.Add(WebhookSigning.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSigning.EventIdHeader, e.Id);
        request.Headers.Add(WebhookSigning.EventKindHeader, e.Kind);
        request.Options.Set(AttemptCounter.Key, attempts);
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request);
            return response.IsSuccessStatusCode
                ? (true, null, attempts.Count)
                : (false, $"HTTP {(int)response.StatusCode} after {attempts.Count} attempts", attempts.Count);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return (false, $"{ex.GetType().Name}: {ex.Message}", attempts.Count);
        }
    }

    private void AddDeadLetter(DeadLetter letter)
    {
        S.DeadLetters.Add(letter);
        if (S.DeadLetters.Count > MaxDeadLetters)
        {
            S.DeadLetters.RemoveRange(0, S.DeadLetters.Count - MaxDeadLetters);
        }
    }

    /// <summary>Recorded with the disabling, in the same write: the admin who set it up must learn their integration stopped.</summary>
    private void NotifyDisabled() =>
        _outbox.Add(new SendNotices([S.CreatedBy], new NotificationDraft(Id.CommunityId, NotificationKinds.WebhookDisabled,
            $"The webhook to {S.Url} was disabled: {S.DisabledReason}. Read its dead letters, fix the receiver, then enable and replay.", $"webhook-disabled:{Key}:{S.Delivered}")));

    private void RequireExists()
    {
        if (!S.Exists)
        {
            throw CommunityException.NotFound("Webhook endpoint");
        }
    }

    private WebhookEndpointInfo Info() => new(Id.EndpointId, Id.CommunityId,
        S.Url, S.Events, S.Enabled, S.DisabledReason, S.CreatedAt, S.Queue.Count, S.Delivered, S.DeadLetters.Count,
        S.PreviousSecretValidUntil > clock.GetUtcNow() ? S.PreviousSecretValidUntil : null);

    private Task Persist() => _writer.Write();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {Endpoint}: delivery pump failed")]
    private static partial void LogPumpFailed(ILogger logger, Exception ex, string endpoint);
}

/// <summary>Counts a delivery's attempts (the resilience pipeline retries inside one SendAsync).</summary>
public sealed class AttemptCounter
{
    public static readonly HttpRequestOptionsKey<AttemptCounter> Key = new("cs.webhook.attempts");

    private int _count;

    public int Count => _count;

    public void Increment() => Interlocked.Increment(ref _count);
}
