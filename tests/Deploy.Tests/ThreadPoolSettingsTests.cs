using System.Xml.Linq;
using CommunityScale.TestSupport;

namespace CommunityScale.Deploy.Tests;

/// <summary>
/// Silos and gateways wait for work without spinning: a runtime option that lands in each program's runtimeconfig.json,
/// which the images and the local cluster run as built. docs/operations.md says why, with the measurements.
/// </summary>
[Trait("Area", "Operations")]
public sealed class ThreadPoolSettingsTests
{
    private const string SpinLimit = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    [Theory]
    [InlineData("Gateway/Gateway.csproj")]
    [InlineData("Silo/Silo.csproj")]
    public void The_thread_pool_does_not_spin_for_work(string project)
    {
        var option = XDocument.Load(Path.Combine(RepoPaths.Root, project)).Descendants("RuntimeHostConfigurationOption")
            .SingleOrDefault(o => (string?)o.Attribute("Include") == SpinLimit);
        Assert.NotNull(option);
        Assert.Equal("0", (string?)option.Attribute("Value"));
    }

    [Fact]
    public void Operations_explains_the_choice()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "operations.md"));
        Assert.Contains("## Thread pool: no spinning for work", text, StringComparison.Ordinal);
        Assert.Contains(SpinLimit, text, StringComparison.Ordinal);
    }
}
