using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CommunityScale.ServiceDefaults;

/// <summary>Telemetry switches, bound from <c>Telemetry</c>. OTLP export follows the standard <c>OTEL_*</c> variables.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Serve a Prometheus scrape endpoint at <c>/metrics</c>.</summary>
    public bool Prometheus { get; set; }

    /// <summary>
    /// Record traces. Unset: only when they are exported (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>), because a recorded trace
    /// nobody reads still costs every call its spans, and a hub connection its request's span for as long as it lives.
    /// </summary>
    public bool? Tracing { get; set; }
}

/// <summary>What every CommunityScale process sets up the same way: OpenTelemetry and the liveness/readiness endpoints.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Our own meters and activity sources are all named <c>CommunityScale.*</c>.</summary>
    public const string OwnInstrumentation = "CommunityScale.*";

    /// <summary>
    /// Kestrel's memory pool counts every block rented and returned. A gateway rents a block for each message it writes
    /// to each connection, so these two cost about 1.5 % of its CPU at 200,000 deliveries a second (perf, fanout-1k), for
    /// figures nobody charts. Dropped, they are not listened to at all; the pool's allocated and evicted bytes (rare
    /// events, the ones that show memory growing) stay.
    /// </summary>
    private static bool IsPerRentPoolInstrument(Instrument instrument) =>
        instrument.Name is "aspnetcore.memory_pool.rented" or "aspnetcore.memory_pool.pooled";

    private static readonly string[] OrleansActivitySources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        var telemetry = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddRuntimeInstrumentation().AddMeter("Microsoft.Orleans").AddMeter(OwnInstrumentation)
                    .AddView(instrument => IsPerRentPoolInstrument(instrument) ? MetricStreamConfiguration.Drop : null);
                if (telemetry.Prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        var exporting = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (telemetry.Tracing ?? exporting)
        {
            otel.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
                .AddSource("Microsoft.AspNetCore.SignalR.Server")
                .AddSource(OrleansActivitySources)
                .AddSource(OwnInstrumentation));
        }

        if (exporting)
        {
            otel.UseOtlpExporter();
        }

        builder.Services.AddHealthChecks().AddCheck("live", () => HealthCheckResult.Healthy(), tags: ["live"]);
        return builder;
    }

    /// <summary><c>/health/live</c>: the process runs. <c>/health/ready</c>: every check tagged <c>ready</c> passes. Optional <c>/metrics</c>.</summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        if ((app.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions()).Prometheus)
        {
            app.MapPrometheusScrapingEndpoint();
        }

        return app;
    }

    /// <summary>Binds options from a section and checks their data annotations when the host starts, so a bad value stops it.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
    {
        return services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateDataAnnotations().ValidateOnStart();
    }
}
