using System.Text.Json;
using CommunityScale.TestSupport;

namespace CommunityScale.Deploy.Tests;

/// <summary>
/// The runtime settings a program starts with: the <c>configProperties</c> of the runtimeconfig.json its build wrote
/// (the images and the local cluster run the build as it is), of the configuration these tests were built in.
/// </summary>
internal static class BuiltRuntimeConfig
{
    public static JsonElement Properties(string project)
    {
        // .../tests/Deploy.Tests/bin/<configuration>/<framework>/
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(RepoPaths.Root, project, "bin", framework.Parent!.Name, framework.Name, $"CommunityScale.{project}.runtimeconfig.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
