using CommunityScale.Scheduling;

namespace CommunityScale.Grains.Tests;

/// <summary>Periods drawn apart (issue 24's write path): never later than promised, and not all the same.</summary>
[Trait("Area", "WritePath")]
public sealed class JitterTests
{
    [Fact]
    public void A_drawn_period_is_between_three_quarters_of_it_and_all_of_it()
    {
        var period = TimeSpan.FromSeconds(5);
        var drawn = Enumerable.Range(0, 2_000).Select(_ => Jitter.Below(period)).ToList();

        Assert.All(drawn, d => Assert.InRange(d, period * 0.75, period));
        // Spread over the range, not bunched at one end: grains that started together must drift apart.
        Assert.Contains(drawn, d => d < period * 0.8);
        Assert.Contains(drawn, d => d > period * 0.95);
    }
}
