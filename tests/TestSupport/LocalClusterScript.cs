using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CommunityScale.TestSupport;

/// <summary>Runs <c>deploy/local-cluster</c> as an operator would, on the binaries the tests were built with.</summary>
public static partial class LocalClusterScript
{
    public static async Task<(int ExitCode, string Output)> Run(string verb, int portBase, int gateways = 2)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "deploy", "local-cluster"));
        start.ArgumentList.Add(verb);
        start.Environment["LOCAL_CLUSTER_PORT_BASE"] = portBase.ToString(CultureInfo.InvariantCulture);
        start.Environment["LOCAL_CLUSTER_CONFIGURATION"] = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        start.Environment["LOCAL_CLUSTER_SKIP_BUILD"] = "1";
        start.Environment["LOCAL_CLUSTER_GATEWAYS"] = gateways.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(6));
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The gateway URLs from the script's "gateway: http://127.0.0.1:PORT" lines.</summary>
    public static List<Uri> Gateways(string output) =>
        [.. GatewayLine().Matches(output).Select(m => new Uri(m.Groups[1].Value))];

    [GeneratedRegex("^gateway: (http://127\\.0\\.0\\.1:\\d+)$", RegexOptions.Multiline)]
    private static partial Regex GatewayLine();
}
