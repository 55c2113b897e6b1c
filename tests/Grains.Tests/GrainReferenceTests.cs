using CommunityScale.Communities;
using CommunityScale.Gamification;
using CommunityScale.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Grains.Tests;

/// <summary>The typed key helpers make references without Orleans' per-call reflection: they must be the same references.</summary>
[Collection(SharedCluster.Name)]
[Trait("Area", "Architecture")]
public sealed class GrainReferenceTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_reference_made_by_key_is_the_one_GetGrain_makes_and_reaches_the_same_grain()
    {
        var key = new MemberKey($"c-{Guid.NewGuid():n}", "ann");
        foreach (var grains in new IGrainFactory[] { fixture.Client, fixture.Cluster.GetSiloServiceProvider().GetRequiredService<IGrainFactory>() })
        {
            var byKey = (GrainReference)grains.Member(key);
            var byGetGrain = (GrainReference)grains.GetGrain<IMemberGrain>(key.ToString());
            Assert.Equal(byGetGrain.GrainId, byKey.GrainId);
            Assert.Equal(byGetGrain.InterfaceType, byKey.InterfaceType);
            Assert.Equal(byGetGrain, byKey);
        }

        // Two interfaces of one key stay apart (each interface resolves its own grain type).
        var points = (GrainReference)fixture.Client.MemberPoints(key);
        Assert.NotEqual(((GrainReference)fixture.Client.Member(key)).GrainId, points.GrainId);
        Assert.Equal(((GrainReference)fixture.Client.GetGrain<IMemberPointsGrain>(key.ToString())).GrainId, points.GrainId);
        Assert.Null(await fixture.Client.Member(key).Get());
    }
}
