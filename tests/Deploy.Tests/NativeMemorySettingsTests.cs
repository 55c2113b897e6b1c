using System.Text.RegularExpressions;
using CommunityScale.TestSupport;

namespace CommunityScale.Deploy.Tests;

/// <summary>
/// glibc's malloc arenas are set outside the programs (an environment variable read when the process starts), so the
/// places that start a silo or a gateway must agree: both images and the local cluster (which ./scripts/chaos soaks).
/// docs/operations.md says why two.
/// </summary>
[Trait("Area", "Operations")]
public sealed partial class NativeMemorySettingsTests
{
    [Theory]
    [InlineData("deploy/docker/silo.Dockerfile")]
    [InlineData("deploy/docker/gateway.Dockerfile")]
    public void Each_image_caps_the_malloc_arenas(string dockerfile)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, dockerfile));
        Assert.Matches(DockerfileArenas(), text);
    }

    [Fact]
    public void The_local_cluster_caps_the_malloc_arenas_unless_the_operator_sets_them()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "local-cluster"));
        Assert.Contains("export MALLOC_ARENA_MAX=\"${MALLOC_ARENA_MAX:-2}\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Operations_explains_the_setting()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "operations.md"));
        Assert.Contains("MALLOC_ARENA_MAX", text, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(?m)^ENV MALLOC_ARENA_MAX=2\s*$")]
    private static partial Regex DockerfileArenas();
}
