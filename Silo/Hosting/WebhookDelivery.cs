using System.Net;
using System.Net.Sockets;
using CommunityScale.Integrations;
using CommunityScale.Options;
using CommunityScale.ServiceDefaults;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace CommunityScale.Silo.Hosting;

/// <summary>
/// The <c>webhooks</c> HttpClient: a resilience pipeline (a total timeout around retries with exponential backoff and
/// jitter around a per-attempt timeout), no redirects, and a connect-time check of every address a host resolves to,
/// so no delivery reaches an internal address whatever the DNS says.
/// </summary>
public static class WebhookDelivery
{
    public static IServiceCollection AddWebhookDelivery(this IServiceCollection services, IConfiguration config)
    {
        services.AddValidatedOptions<WebhookOptions>(config, WebhookOptions.Section);
        services.AddTransient<AttemptCountingHandler>();
        var client = services.AddHttpClient(WebhookEndpointGrain.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        client.ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var allowLoopback = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowLoopback;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    ConnectCallback = (context, cancellationToken) => GuardedConnect(context, allowLoopback, cancellationToken),
                };
            });
        client.AddResilienceHandler("webhook-delivery", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value;
                pipeline.AddTimeout(options.TotalTimeout);
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = options.MaxAttempts - 1,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.RetryBaseDelay,
                });
                pipeline.AddTimeout(options.AttemptTimeout);
            });

        // Added after the resilience handler, so inside its retries: it counts every attempt.
        client.AddHttpMessageHandler<AttemptCountingHandler>();
        return services;
    }

    private static async ValueTask<Stream> GuardedConnect(SocketsHttpConnectionContext context, bool allowLoopback, CancellationToken cancellationToken)
    {
        var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
        var allowed = addresses.Where(a => !WebhookTargets.IsForbidden(a) || (allowLoopback && IPAddress.IsLoopback(a))).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"{context.DnsEndPoint.Host} resolves only to internal addresses; webhooks may not reach them.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class AttemptCountingHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Options.TryGetValue(AttemptCounter.Key, out var counter))
            {
                counter.Increment();
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
