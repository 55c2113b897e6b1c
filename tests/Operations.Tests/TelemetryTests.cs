using System.Diagnostics;
using CommunityScale.Gateway.Tests;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CommunityScale.Operations.Tests;

[Trait("Area", "Operations")]
public sealed class TelemetryTests
{
    private sealed class Exported
    {
        private readonly List<Activity> _spans = [];
        private readonly List<Metric> _metrics = [];

        // The exporters append from background threads; read copies.
        public Activity[] Spans => Snapshot(_spans);

        public Metric[] Metrics => Snapshot(_metrics);

        private static T[] Snapshot<T>(List<T> list)
        {
            while (true)
            {
                try
                {
                    return [.. list.ToArray().Where(item => item is not null)];
                }
                catch (ArgumentException)
                {
                    // The list grew while it was copied; copy again.
                }
            }
        }

        public void Wire(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder)
        {
            builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(_spans));
            builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(_metrics));
        }

        public long Sum(string name, string? code = null)
        {
            long total = 0;
            foreach (var metric in Metrics.Where(m => m.Name == name))
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    if (code is not null && !HasTag(point, "code", code))
                    {
                        continue;
                    }

                    total += metric.MetricType switch
                    {
                        MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong(),
                        MetricType.Histogram => point.GetHistogramCount(),
                        _ => 0,
                    };
                }
            }

            return total;
        }

        private static bool HasTag(MetricPoint point, string key, string value)
        {
            foreach (var tag in point.Tags)
            {
                if (tag.Key == key && Equals(tag.Value, value))
                {
                    return true;
                }
            }

            return false;
        }
    }

    [Fact]
    public async Task A_chat_exchange_shows_in_our_metrics_and_in_one_trace_from_gateway_to_grain()
    {
        var silo = new Exported();
        var gateway = new Exported();
        await using var system = new ChatSystem(new Dictionary<string, string?> { ["Storage:Provider"] = "Memory", ["Telemetry:Prometheus"] = "true", ["Telemetry:Tracing"] = "true" },
            gateway.Wire, silo.Wire);
        await system.StartAsync();
        await using var ann = await TestUser.ConnectAsync(system.GatewayUrl, "ann");
        await using var bob = await TestUser.ConnectAsync(system.GatewayUrl, "bob");
        var (community, channel) = await SystemFixture.NewChannel(ann, bob);
        await bob.JoinChannel(community, channel);
        await ann.Send(community, channel, "measured");
        await Assert.ThrowsAsync<HubException>(() => ann.Send(community, channel, new string('x', 2001)));
        await bob.WaitUntil(u => u.Shown(community, channel).Count == 1);

        system.GatewayServices.GetRequiredService<MeterProvider>().ForceFlush();
        system.SiloServices.GetRequiredService<MeterProvider>().ForceFlush();
        system.GatewayServices.GetRequiredService<TracerProvider>().ForceFlush();
        system.SiloServices.GetRequiredService<TracerProvider>().ForceFlush();

        Assert.True(silo.Sum("chat.messages.stored") >= 1);
        Assert.True(silo.Sum("chat.storage.writes") >= 1);
        Assert.True(silo.Sum("chat.batch.size") >= 1);
        Assert.True(gateway.Sum("chat.sends.accepted") >= 1);
        Assert.Equal(1, gateway.Sum("chat.sends.refused", code: "too_long"));
        Assert.True(gateway.Sum("relay.deliveries") >= 1);
        Assert.True(gateway.Sum("relay.lag") >= 1);
        Assert.True(gateway.Sum("gateway.connections") >= 2);
        Assert.Contains(silo.Metrics, m => m.MeterName == "Microsoft.Orleans");

        // The hub call that sent the message and the grain call that stored it share one trace.
        var silosSpans = silo.Spans;
        var hubSend = gateway.Spans.First(s => s.Source.Name == "Microsoft.AspNetCore.SignalR.Server" && s.DisplayName.Contains("SendMessage", StringComparison.Ordinal));
        Assert.Contains(silosSpans, s => s.TraceId == hubSend.TraceId && s.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)
            && s.DisplayName.Contains("ChannelGrain", StringComparison.OrdinalIgnoreCase));

        using var http = new HttpClient { BaseAddress = system.GatewayUrl };
        var scrape = await http.GetStringAsync("/metrics");
        Assert.Contains("chat_sends_accepted", scrape, StringComparison.Ordinal);
    }
}
