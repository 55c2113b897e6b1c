using CommunityScale.TestSupport;

namespace CommunityScale.Deploy.Tests;

/// <summary>
/// Silos and gateways wait for work without spinning: the setting is in the runtimeconfig.json each program starts
/// with (the images and the local cluster run it as built). docs/operations.md says why, with the measurements.
/// </summary>
[Trait("Area", "Operations")]
public sealed class ThreadPoolSettingsTests
{
    private const string SpinLimit = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    [Theory]
    [InlineData("Gateway")]
    [InlineData("Silo")]
    public void The_thread_pool_does_not_spin_for_work(string program)
    {
        Assert.Equal(0, BuiltRuntimeConfig.Properties(program).GetProperty(SpinLimit).GetInt32());
    }

    [Fact]
    public void Operations_explains_the_choice()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "operations.md"));
        Assert.Contains("## Thread pool: no spinning for work", text, StringComparison.Ordinal);
        Assert.Contains(SpinLimit, text, StringComparison.Ordinal);
    }
}
