using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using CommunityScale.Chat;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Posting;
using CommunityScale.Streams;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.TestSupport;

/// <summary>
/// A person using the public API: a dev token, an HTTP client with it, and a real SignalR connection that records
/// every <c>ChannelMessage</c> and <c>Presence</c> event it receives, in arrival order.
/// </summary>
public sealed class TestUser : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly ConcurrentQueue<ChatMessage> _received = new();
    private readonly ConcurrentQueue<PresenceChanged> _presence = new();
    private readonly ConcurrentQueue<MessageRemovedNotice> _removed = new();
    private readonly ConcurrentQueue<ChatMessage> _restored = new();
    private readonly ConcurrentQueue<Notification> _notifications = new();
    private readonly ConcurrentQueue<ModerationEvent> _moderation = new();
    private readonly ConcurrentQueue<object> _threadEvents = new();
    private readonly ConcurrentQueue<ChatMessage> _edited = new();
    private readonly ConcurrentQueue<(string Change, Events.Question Question)> _questions = new();
    private readonly ConcurrentQueue<Events.Poll> _polls = new();
    private readonly ConcurrentQueue<MessageReactionCounts> _reactions = new();
    private readonly ConcurrentQueue<AccessLostEvent> _accessLost = new();
    private readonly SemaphoreSlim _signal = new(0);

    private TestUser(string userId, HttpClient http, HubConnection hub)
    {
        UserId = userId;
        Http = http;
        Hub = hub;
        hub.On<ChatMessage>("ChannelMessage", m => { _received.Enqueue(m); _signal.Release(); });
        hub.On<PresenceChanged>("Presence", p => { _presence.Enqueue(p); _signal.Release(); });
        hub.On<MessageRemovedNotice>("MessageRemoved", r => { _removed.Enqueue(r); _signal.Release(); });
        hub.On<ChatMessage>("MessageRestored", m => { _restored.Enqueue(m); _signal.Release(); });
        hub.On<Notification>("Notification", n => { _notifications.Enqueue(n); _signal.Release(); });
        hub.On<ModerationEvent>("ModerationEvent", e => { _moderation.Enqueue(e); _signal.Release(); });
        hub.On<ChatMessage>("MessageEdited", m => { _edited.Enqueue(m); _signal.Release(); });
        hub.On<MessageReactionCounts>("MessageReactions", r => { _reactions.Enqueue(r); _signal.Release(); });
        hub.On<Events.Question>("QuestionAsked", q => { _questions.Enqueue(("asked", q)); _signal.Release(); });
        hub.On<Events.Question>("QuestionUpdated", q => { _questions.Enqueue(("updated", q)); _signal.Release(); });
        hub.On<Events.Poll>("PollUpdated", p => { _polls.Enqueue(p); _signal.Release(); });
        hub.On<AccessLostEvent>("ChannelAccessLost", a => { _accessLost.Enqueue(a); _signal.Release(); });
        hub.On<Threads.ThreadPost>("ThreadPost", p => { _threadEvents.Enqueue(p); _signal.Release(); });
        hub.On<Threads.ThreadPost>("PostEdited", p => { _threadEvents.Enqueue(new PostEditedEvent(p)); _signal.Release(); });
        hub.On<Threads.PostRemovedNotice>("PostRemoved", r => { _threadEvents.Enqueue(r); _signal.Release(); });
        hub.On<Threads.PostReactions>("PostReactions", r => { _threadEvents.Enqueue(r); _signal.Release(); });
        hub.On<Threads.ThreadSummary>("ThreadUpdated", t => { _threadEvents.Enqueue(t); _signal.Release(); });
        hub.On<ThreadAccessLostEvent>("ThreadAccessLost", t => { _threadEvents.Enqueue(t); _signal.Release(); });
    }

    /// <summary>Thread events in arrival order: <c>ThreadPost</c>, <see cref="PostEditedEvent"/>, <c>PostRemovedNotice</c>, <c>PostReactions</c>, <c>ThreadSummary</c>, <see cref="ThreadAccessLostEvent"/>.</summary>
    public IReadOnlyList<object> ThreadEvents => [.. _threadEvents];

    public string UserId { get; }

    public HttpClient Http { get; }

    public HubConnection Hub { get; }

    public IReadOnlyList<ChatMessage> Received => [.. _received];

    public IReadOnlyList<PresenceChanged> PresenceEvents => [.. _presence];

    public IReadOnlyList<MessageRemovedNotice> RemovedEvents => [.. _removed];

    public IReadOnlyList<ChatMessage> RestoredEvents => [.. _restored];

    public IReadOnlyList<ChatMessage> EditedEvents => [.. _edited];

    /// <summary><c>QuestionAsked</c> ("asked") and <c>QuestionUpdated</c> ("updated") events, in arrival order.</summary>
    public IReadOnlyList<(string Change, Events.Question Question)> QuestionEvents => [.. _questions];

    public IReadOnlyList<Events.Poll> PollEvents => [.. _polls];

    public IReadOnlyList<MessageReactionCounts> ReactionEvents => [.. _reactions];

    public IReadOnlyList<Notification> Notifications => [.. _notifications];

    /// <summary>Channels this connection was dropped from because it may no longer view them.</summary>
    public IReadOnlyList<AccessLostEvent> AccessLost => [.. _accessLost];

    public IReadOnlyList<ModerationEvent> ModerationEvents => [.. _moderation];

    public static async Task<string> GetTokenAsync(Uri gateway, string userId, string? displayName = null)
    {
        using var http = new HttpClient { BaseAddress = gateway };
        var response = await http.PostAsJsonAsync("/api/auth/dev-token", new { userId, displayName = displayName ?? userId });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("token").GetString()!;
    }

    /// <summary>Signs in and connects; <paramref name="messagePack"/> picks the MessagePack hub protocol instead of JSON.</summary>
    public static async Task<TestUser> ConnectAsync(Uri gateway, string userId, bool connectHub = true, bool messagePack = false)
    {
        var token = await GetTokenAsync(gateway, userId);
        var http = new HttpClient { BaseAddress = gateway };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(gateway, "/hubs/community"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token));
        var hub = (messagePack ? builder.AddMessagePackProtocol() : builder.AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))).Build();
        var user = new TestUser(userId, http, hub);
        if (connectHub)
        {
            await hub.StartAsync();
        }

        return user;
    }

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) =>
        body is null ? Http.PostAsync(path, null) : Http.PostAsJsonAsync(path, body, Json);

    public async Task<T> GetAsync<T>(string path)
    {
        var response = await Http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    public Task<JoinResult> JoinChannel(string community, string channel, long? afterSeq = null) =>
        Hub.InvokeAsync<JoinResult>("JoinChannel", community, channel, afterSeq);

    public Task<CommunityWatch> WatchCommunity(string community) => Hub.InvokeAsync<CommunityWatch>("WatchCommunity", community);

    public Task<SendAck> Send(string community, string channel, string text, string? clientMessageId = null) =>
        Hub.InvokeAsync<SendAck>("SendMessage", community, channel, text, clientMessageId ?? Guid.NewGuid().ToString("n"));

    /// <summary>Waits until the received messages satisfy <paramref name="condition"/>; fails after <paramref name="timeout"/>.</summary>
    public async Task WaitUntil(Func<TestUser, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition(this))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{UserId}: timed out waiting for {what ?? "the condition"}; received {_received.Count} messages.");
            }

            await _signal.WaitAsync(left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>Messages for a channel as a client shows them: in arrival order, duplicates (seq already shown) dropped.</summary>
    public IReadOnlyList<ChatMessage> Shown(string community, string channel, long afterSeq = 0)
    {
        var shown = new List<ChatMessage>();
        var last = afterSeq;
        foreach (var m in Received.Where(m => m.CommunityId == community && m.ChannelId == channel))
        {
            if (m.Seq > last)
            {
                shown.Add(m);
                last = m.Seq;
            }
        }

        return shown;
    }

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        Http.Dispose();
        _signal.Dispose();
    }
}

public sealed record CommunityWatch(Communities.MemberRole Role, int UnreadNotifications, bool ModerationEvents);

/// <summary>A <c>PostEdited</c> hub event (the payload is a post, like <c>ThreadPost</c>).</summary>
public sealed record PostEditedEvent(Threads.ThreadPost Post);

public sealed record AccessLostEvent(string CommunityId, string ChannelId);

public sealed record ThreadAccessLostEvent(string CommunityId, string ThreadId);

public sealed record JoinResult(long LastSeq, IReadOnlyList<ChatMessage> Messages, bool HasMore);
