using CommunityScale.Silo.Hosting;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// The silo's stream cache is bounded by <c>Orleans:StreamCacheAge</c>, not Orleans' 30 minutes (under which a soak saw
/// every silo's memory grow for half an hour), and a value out of range stops the silo at start.
/// </summary>
[Collection(SharedCluster.Name)]
[Trait("Area", "Operations")]
public sealed class StreamCacheSettingsTests(ClusterFixture fixture)
{
    [Fact]
    public void The_chat_stream_cache_keeps_events_for_the_configured_age_only()
    {
        var eviction = fixture.Cluster.GetSiloServiceProvider()
            .GetRequiredService<IOptionsMonitor<StreamCacheEvictionOptions>>().Get(StreamNames.Provider);

        var age = new SiloEndpointOptions().StreamCacheAge;
        Assert.Equal(TimeSpan.FromMinutes(1), age);
        Assert.Equal(age, eviction.DataMaxAgeInCache);
        Assert.Equal(age, eviction.DataMinTimeInCache);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("02:00:00")]
    public void A_stream_cache_age_out_of_range_is_refused(string age) =>
        GrainAsserts.AssertOptionRefused<SiloEndpointOptions>(SiloEndpointOptions.Section, nameof(SiloEndpointOptions.StreamCacheAge), age);
}
