using System.Text.RegularExpressions;
using CommunityScale.TestSupport;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// The rules of the grain design that a compiler does not check, checked on the source (issue 23): one write path per
/// grain, typed keys, small grain files.
/// </summary>
[Trait("Area", "Architecture")]
public sealed partial class ArchitectureTests
{
    private static readonly string[] SourceFolders = ["Grains", "Gateway", "Silo"];

    [Fact]
    public void No_grain_writes_its_state_except_through_its_one_writer()
    {
        // StateWriter and WriteBehind (Grains/Scheduling) are the only code that may call the persistence bridge.
        var offenders = Sources("Grains")
            .Where(f => !f.Path.Replace('\\', '/').Contains("/Grains/Scheduling/", StringComparison.Ordinal))
            .SelectMany(f => Matches(f, StateWrite()))
            .ToList();
        Assert.True(offenders.Count == 0, "State written outside StateWriter/WriteBehind:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void No_grain_key_is_formatted_where_it_is_used()
    {
        var offenders = SourceFolders.SelectMany(Sources).SelectMany(f => Matches(f, FormattedKey())).ToList();
        Assert.True(offenders.Count == 0, "Grain keys built in place (use Keys/GrainKeys.cs and the GrainFactoryKeys extensions):\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void No_grain_file_is_over_400_lines()
    {
        var large = Sources("Grains")
            .Where(f => Path.GetFileName(f.Path).Contains("Grain", StringComparison.Ordinal))
            .Select(f => (f.Path, Lines: f.Text.Count(c => c == '\n')))
            .Where(f => f.Lines > 400)
            .Select(f => $"{Path.GetRelativePath(RepoPaths.Root, f.Path)}: {f.Lines} lines")
            .ToList();
        Assert.True(large.Count == 0, "Grain files over 400 lines:\n" + string.Join('\n', large));
    }

    private static IEnumerable<(string Path, string Text)> Sources(string folder) =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, folder), "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(p => (p, File.ReadAllText(p)));

    private static IEnumerable<string> Matches((string Path, string Text) file, Regex pattern) =>
        pattern.Matches(file.Text).Select(m =>
            $"{Path.GetRelativePath(RepoPaths.Root, file.Path)}:{file.Text.AsSpan(0, m.Index).Count('\n') + 1}: {m.Value}");

    [GeneratedRegex(@"\b\w+\.(WriteStateAsync|ClearStateAsync)\b")]
    private static partial Regex StateWrite();

    // GetGrain<IAnything>($"…") or GetGrain<IAnything>(a + "/" + b): a composite key formatted at the call.
    [GeneratedRegex(@"GetGrain<I\w+>\((\$""|[^)]*\+\s*""/"")")]
    private static partial Regex FormattedKey();
}
