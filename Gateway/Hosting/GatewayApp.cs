using CommunityScale.Gateway.Api;
using CommunityScale.Gateway.Auth;
using CommunityScale.Gateway.Hubs;
using CommunityScale.Gateway.Relay;
using CommunityScale.Integrations;
using CommunityScale.Hosting;
using CommunityScale.Streams;
using CommunityScale.ServiceDefaults;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CommunityScale.Gateway.Hosting;

/// <summary>Composes the gateway process: an Orleans client, auth, the REST API, the hub and its relay, the browser page.</summary>
public static class GatewayApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults("communityscale-gateway");
        builder.AddCommunityScaleGateway();
        customize?.Invoke(builder);
        var app = builder.Build();
        app.UseCommunityScaleGateway();
        return app;
    }

    public static void AddCommunityScaleGateway(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddValidatedOptions<GatewayOptions>(config, GatewayOptions.Section);
        services.AddValidatedOptions<Attachments.AttachmentOptions>(config, Attachments.AttachmentOptions.Section);
        services.AddSingleton<Attachments.AttachmentStore>();
        services.AddCommunityAuth(config);
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemMapping>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.AddOpenApi();

        var gateway = config.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        services.AddSignalR(o => o.MaximumReceiveMessageSize = gateway.MaxHubMessageBytes)
            // The error filter is outermost, so a token refusal reaches the client as "code: reason" too.
            .AddHubOptions<CommunityHub>(o =>
            {
                o.AddFilter<HubErrorFilter>();
                o.AddFilter<ApiTokenHubFilter>();
            })
            .AddJsonProtocol(o =>
            {
                o.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
                // Every chat message carries its optional fields (editedAt, reactions, attachments) to every fan, nearly
                // always null: left out, a ChannelMessage is ~50 bytes (~15 %) smaller for each delivery to read and send.
                o.PayloadSerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
            })
            // Browsers speak JSON; native clients and bots may choose the smaller, cheaper MessagePack (enums as numbers there).
            .AddMessagePackProtocol();
        services.AddSingleton<HubErrorFilter>();
        services.AddSingleton<SiloConnections>();
        services.AddSingleton<ApiTokenHubFilter>();
        services.AddSingleton<IChannelEventFilter, RelayEveryEvent>();
        services.AddRelay<ChannelRelay>();
        services.AddRelay<ThreadRelay>();
        services.AddRelay<MemberRelay>();
        services.AddRelay<ModerationRelay>();
        services.AddRelay<SessionRelay>();
        services.AddRelay<KpiRelay>();
        services.AddHostedService<GatewayHeartbeat>();

        services.AddHealthChecks().AddCheck<ClusterReadyCheck>("cluster", tags: ["ready"]);

        var cluster = config.GetSection(ClusterClientOptions.Section).Get<ClusterClientOptions>() ?? new ClusterClientOptions();
        var providers = ProviderSettings.From(k => config[k]);
        builder.UseOrleansClient(client =>
        {
            if (providers.Clustering == ClusteringProvider.Redis)
            {
                client.UseRedisClustering(providers.RedisConnectionString!);
                client.Configure<Orleans.Configuration.ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
            }
            else
            {
                client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId);
            }

            client.Services.Configure<Orleans.Configuration.ClientMessagingOptions>(config.GetSection("Orleans:Messaging"));
            client.AddActivityPropagation();
            client.AddMemoryStreams(StreamNames.Provider);
            client.UseConnectionRetryFilter(new ConnectRetry(cluster.ConnectTimeout).ShouldRetry);
            // When a silo connection closes, sends waiting on it go again at once (SiloConnections); when the connection to
            // the cluster comes back (a silo restarted), every relay re-establishes its subscriptions.
            client.AddGatewayCountChangedHandler(sp => (_, e) =>
            {
                sp.GetRequiredService<SiloConnections>().OnGatewayCountChanged(e.NumberOfConnectedGateways, e.PreviousNumberOfConnectedGateways);
                foreach (var relay in sp.GetServices<IConnectionRelay>())
                {
                    relay.OnClusterChanged();
                }

                if (e.ConnectionRecovered || e.NumberOfConnectedGateways > e.PreviousNumberOfConnectedGateways)
                {
                    foreach (var relay in sp.GetServices<IConnectionRelay>())
                    {
                        // Not awaited: the client calls this synchronously while it opens the connection, and
                        // renewing a subscription is a call through that connection, so waiting here could stall it.
                        // Each relay logs its own failures.
                        _ = relay.OnClusterReconnected();
                    }
                }
            });
        });
    }

    public static void UseCommunityScaleGateway(this WebApplication app)
    {
        // The error pages' frames would stay suspended under every connection request for as long as its connection
        // lives, and they can do nothing for it (once the connection is accepted its response has started): such a
        // request skips them (272 bytes a connection; docs/performance.md).
        app.UseWhen(http => !HubRequestRelease.IsConnectionRequest(http.Request), errors => errors.UseExceptionHandler().UseStatusCodePages());
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseApiTokenScopes();
        app.UseHubRequestRelease("/hubs");
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapServiceDefaults();
        app.MapAuthApi();
        app.MapCommunityApi();
        app.MapAccessApi();
        app.MapModerationApi();
        app.MapMemberModerationApi();
        app.MapReviewQueueApi();
        app.MapMemberStandingApi();
        app.MapThreadsApi();
        app.MapAttachmentsApi();
        app.MapIntegrationsApi();
        app.MapApiTokensApi();
        app.MapMemberChangesApi();
        app.MapEventsApi();
        app.MapCampaignsApi();
        app.MapInsightsApi();
        app.MapPollsApi();
        app.MapGamificationApi();
        app.MapPrivacyApi();
        app.MapHub<CommunityHub>("/hubs/community").WithMetadata(new ApiScopeAttribute(ApiScopes.ChatRead, ApiScopes.ChatWrite, ApiScopes.ThreadsRead));
    }

    /// <summary>Keeps retrying to reach the cluster at start-up (the silo may still be starting), then gives up loudly.</summary>
    private sealed class ConnectRetry(TimeSpan timeout)
    {
        private readonly DateTimeOffset _deadline = DateTimeOffset.UtcNow + timeout;

        public async Task<bool> ShouldRetry(Exception exception, CancellationToken cancellationToken)
        {
            if (DateTimeOffset.UtcNow > _deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            return true;
        }
    }
}

/// <summary>How the gateway reaches the cluster, bound from the <c>Orleans</c> section (the same keys the silo reads).</summary>
public sealed class ClusterClientOptions
{
    public const string Section = "Orleans";

    public string ClusterId { get; set; } = "communityscale";

    public string ServiceId { get; set; } = "communityscale";

    public int GatewayPort { get; set; } = 30000;

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>Ready when a grain call through the cluster succeeds.</summary>
public sealed class ClusterReadyCheck(IClusterClient cluster) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await cluster.GetGrain<IPingGrain>(0).Ping().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("The cluster does not answer.", ex);
        }
    }
}
