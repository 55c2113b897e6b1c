using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CommunityScale.TestSupport;

namespace CommunityScale.Operations.Tests;

/// <summary>
/// <c>./scripts/chaos</c> as an operator runs it, for 2 minutes on a fixed seed: the invariants of its report hold.
/// Timings (recovery, latency, memory) vary with the machine and are not asserted here; the script reports them.
/// </summary>
[Trait("Area", "Operations")]
public sealed partial class ChaosRunTests
{
    // A port range of its own (BASE..BASE+20): LocalClusterTests take 7400, RollingUpgradeTests and the cluster bench 7600.
    private const int PortBase = 7800;

    [Fact]
    public async Task A_two_minute_chaos_run_loses_nothing_duplicates_nothing_and_every_listener_converges_after_every_fault()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "scripts", "chaos"));
        // A small load (the defaults are a half-hour run's: 100 channels and a hot channel of 2,000): the invariants are
        // what this test asserts, and the suite shares its 2 cores.
        foreach (var arg in new[] { "--minutes", "2", "--seed", "42", "--channels", "6", "--hot-listeners", "200" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["LOCAL_CLUSTER_PORT_BASE"] = PortBase.ToString(CultureInfo.InvariantCulture);
        start.Environment["LOCAL_CLUSTER_CONFIGURATION"] = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        start.Environment["LOCAL_CLUSTER_SKIP_BUILD"] = "1";
        string output;
        using (var process = Process.Start(start)!)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(8));
            }
            catch (TimeoutException)
            {
                // SIGTERM lets the script's trap stop the cluster it started; whatever is left goes with the base's `down`.
                using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    await term.WaitForExitAsync();
                }

                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
                await LocalClusterScript.Run("down", PortBase, 3);
                throw;
            }

            output = await stdout + await stderr;
            Assert.False(Directory.Exists(Path.Combine(RepoPaths.Root, ".run", $"local-cluster-{PortBase}")), "the script left its cluster running:\n" + output);
            Assert.True(process.ExitCode == 0, $"./scripts/chaos exited {process.ExitCode}:\n{output}");
        }

        var path = ReportLine().Match(output) is { Success: true } m ? m.Groups[1].Value.Trim() : throw new InvalidOperationException("no 'report:' line:\n" + output);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var r = report.RootElement;

        // What the exit code already says, asserted from the report itself so that a broken check in the driver shows.
        Assert.True(r.GetProperty("acked").GetInt64() > 0, output);
        Assert.Equal(0, r.GetProperty("lost").GetInt64());
        Assert.Equal(0, r.GetProperty("duplicates").GetInt64());
        Assert.Empty(r.GetProperty("channelsWithGaps").EnumerateArray());
        var documented = r.GetProperty("documentedCodes").EnumerateArray().Select(c => c.GetString()).ToHashSet();
        Assert.Contains("unavailable", documented);
        Assert.All(r.GetProperty("errorsByCode").EnumerateObject(), e => Assert.Contains(e.Name, documented));

        var faults = r.GetProperty("faults").EnumerateArray().ToList();
        Assert.True(faults.Count >= 2, $"a 2-minute run injects at least one fault a minute:\n{output}");
        Assert.All(faults, f => Assert.True(f.GetProperty("converged").GetBoolean(), $"listeners did not converge after {f}"));
        Assert.All(faults, f => Assert.True(f.GetProperty("processesBack").GetBoolean(), $"processes not back after {f}"));
        Assert.True(r.GetProperty("convergedAtEnd").GetBoolean(), output);
        Assert.Equal(
            r.GetProperty("plannedProcesses").EnumerateArray().Select(p => p.GetString()).Order(),
            r.GetProperty("runningAtEnd").EnumerateArray().Select(p => p.GetString()).Order());
        // Redis and Azurite, each silo and its storage link, the gateways.
        Assert.Equal(2 + 2 + 2 + 3, r.GetProperty("plannedProcesses").GetArrayLength());
        Assert.Empty(r.GetProperty("violations").EnumerateArray());
        // A gateway's memory is read next to its connections (they move to it when another gateway dies).
        Assert.Contains(r.GetProperty("rssSamples").EnumerateArray(), s =>
            s.GetProperty("process").GetString()!.StartsWith("gateway-", StringComparison.Ordinal) && s.TryGetProperty("connections", out var c) && c.ValueKind == JsonValueKind.Number && c.GetInt32() > 0);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "chart.png")));
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "rss.png")));
    }

    [GeneratedRegex("^report: (.+)$", RegexOptions.Multiline)]
    private static partial Regex ReportLine();
}
