using CommunityScale.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// How often a member grain writes its trust counts is <c>Members:ActivityWritePeriod</c> (issue 24: a write every few
/// messages was a quarter of the storage requests of quiet communities); a value out of range stops the silo at start.
/// </summary>
[Collection(SharedCluster.Name)]
[Trait("Area", "WritePath")]
public sealed class MemberOptionsTests(ClusterFixture fixture)
{
    [Fact]
    public void The_silo_binds_the_activity_write_period_from_configuration_a_minute_by_default()
    {
        var options = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<IOptions<MemberOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(10), options.ActivityWritePeriod);
        Assert.Equal(TimeSpan.FromMinutes(1), new MemberOptions().ActivityWritePeriod);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:10:01")]
    public void An_activity_write_period_out_of_range_is_refused(string period) =>
        GrainAsserts.AssertOptionRefused<MemberOptions>(MemberOptions.Section, nameof(MemberOptions.ActivityWritePeriod), period);
}
