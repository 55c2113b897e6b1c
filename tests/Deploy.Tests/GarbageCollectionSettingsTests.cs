using CommunityScale.TestSupport;

namespace CommunityScale.Deploy.Tests;

/// <summary>
/// The GC mode each program starts with, from the runtimeconfig.json its build wrote (the images and the local cluster
/// run it as built): both on the server GC. docs/operations.md says why.
/// </summary>
[Trait("Area", "Operations")]
public sealed class GarbageCollectionSettingsTests
{
    [Fact]
    public void The_gateway_runs_the_server_gc()
    {
        // Its fan-out past saturation carried half as much on the workstation GC (fanout-10k).
        Assert.True(BuiltRuntimeConfig.Properties("Gateway").GetProperty("System.GC.Server").GetBoolean());
    }

    [Fact]
    public void The_silo_keeps_the_server_gc_of_the_web_sdk()
    {
        // The Web SDK's default is the server GC: the silo must not set it off (its acks paused more on one heap).
        Assert.True(BuiltRuntimeConfig.Properties("Silo").GetProperty("System.GC.Server").GetBoolean());
    }

    [Fact]
    public void Operations_explains_the_choice()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "operations.md"));
        Assert.Contains("## Garbage collection: server on gateways and silos", text, StringComparison.Ordinal);
        Assert.Contains("DOTNET_gcServer", text, StringComparison.Ordinal);
    }
}
