using CommunityScale.Scheduling;

namespace CommunityScale.Grains.Tests;

/// <summary>One change at a time in a grain whose calls interleave (issue 24: the points grain's award call waits for a write).</summary>
[Trait("Area", "WritePath")]
public sealed class TurnChainTests
{
    [Fact]
    public async Task A_turn_starts_only_when_the_one_before_has_ended_even_if_that_one_failed()
    {
        var turns = new TurnChain();
        var firstMayEnd = new TaskCompletionSource();
        var order = new List<string>();

        var first = turns.Run(async () =>
        {
            order.Add("first starts");
            await firstMayEnd.Task;
            order.Add("first ends");
            throw new InvalidOperationException("the first change failed");
        });
        var second = turns.Run(() =>
        {
            order.Add("second runs");
            return Task.FromResult(2);
        });

        Assert.False(second.IsCompleted);
        firstMayEnd.SetResult();
        await Assert.ThrowsAsync<InvalidOperationException>(() => first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, await second.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["first starts", "first ends", "second runs"], order);
    }
}
