using System.Text.RegularExpressions;

namespace CommunityScale.Chaos;

/// <summary>The error codes docs/api.md documents (its "Errors" table): the one list a refusal may come from.</summary>
internal static partial class DocumentedCodes
{
    public static IReadOnlySet<string> Read(string repoRoot)
    {
        var lines = File.ReadAllLines(Path.Combine(repoRoot, "docs", "api.md"));
        var start = Array.FindIndex(lines, l => l.StartsWith("## Errors", StringComparison.Ordinal));
        if (start < 0)
        {
            throw new InvalidOperationException("docs/api.md has no '## Errors' section to read the documented codes from");
        }

        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length > 2 && line.StartsWith("| `", StringComparison.Ordinal))
            {
                foreach (Match m in Code().Matches(cells[1]))
                {
                    codes.Add(m.Groups[1].Value);
                }
            }
        }

        return codes.Count > 0 ? codes : throw new InvalidOperationException("docs/api.md's Errors table lists no codes");
    }

    [GeneratedRegex("`([a-z_]+)`")]
    private static partial Regex Code();
}
