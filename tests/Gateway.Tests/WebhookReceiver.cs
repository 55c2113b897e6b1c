using System.Collections.Concurrent;
using CommunityScale.Integrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// A real HTTP receiver on loopback for webhook tests: records every attempt, and answers each path as the test says
/// (fail the first N with 500, stall past the attempt timeout, or fail always).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<int, Task<int>>> _behaviour = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly ConcurrentDictionary<string, int> _arrivals = new(StringComparer.Ordinal);

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<Received> All => [.. _received];

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook/{name}", async (string name, HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            // Counted on arrival: a stalled attempt must not make the next one look like the same attempt again.
            var attempt = receiver._arrivals.AddOrUpdate($"{name}/{http.Request.Headers[WebhookSigning.EventIdHeader]}", 1, (_, n) => n + 1);
            var status = receiver._behaviour.TryGetValue(name, out var behave) ? await behave(attempt) : 200;
            receiver._received.Enqueue(new Received(name, http.Request.Headers[WebhookSigning.EventIdHeader].ToString(), http.Request.Headers[WebhookSigning.EventKindHeader].ToString(),
                http.Request.Headers[WebhookSigning.SignatureHeader].ToString(), http.Request.Headers[WebhookSigning.TimestampHeader].ToString(), body, status, attempt));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        receiver.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return receiver;
    }

    /// <summary>How <c>/hook/{name}</c> answers: given the attempt number of this event, the status code (after any stall).</summary>
    public void Behave(string name, Func<int, Task<int>> behaviour) => _behaviour[name] = behaviour;

    public string HookUrl(string name) => new Uri(Url, $"/hook/{name}").AbsoluteUri;

    /// <summary>
    /// What a de-duplicating receiver processes: the first successful arrival of each event id, in arrival order. (A stalled
    /// attempt the sender gave up on may still complete later: the same id again, which a receiver drops.)
    /// </summary>
    public IReadOnlyList<Received> Delivered(string name) => [.. _received.Where(r => r.Path == name && r.Status == 200).DistinctBy(r => r.EventId)];

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public sealed record Received(string Path, string EventId, string Kind, string Signature, string Timestamp, string Body, int Status, int Attempt);
}
