namespace CommunityScale.TextModels;

/// <summary>One labelled example of the shipped TSV files (<c>text, label, language, source</c>).</summary>
/// <param name="File">The file it came from, without extension: metrics are reported per file.</param>
/// <param name="Group">Examples that must stay on one side of the split together (the comments under one video), or empty.</param>
public sealed record LabelledText(string Text, string Label, string Language, string File, string Group = "");

/// <summary>Reading the shipped data and splitting it the same way in the trainer and in the test that re-measures.</summary>
public static class LabelledData
{
    public static IReadOnlyList<LabelledText> Load(string directory)
    {
        var examples = new List<LabelledText>();
        foreach (var path in Directory.GetFiles(directory, "*.tsv").Order(StringComparer.Ordinal))
        {
            var file = Path.GetFileNameWithoutExtension(path);
            foreach (var line in File.ReadLines(path).Skip(1))
            {
                var fields = line.Split('\t');
                if (fields.Length >= 3 && fields[0].Length > 0)
                {
                    examples.Add(new LabelledText(fields[0], fields[1], fields[2], file));
                }
            }
        }

        return examples;
    }

    /// <summary>
    /// A deterministic split: examples whose group is listed go to the held-out side whole, other grouped examples to
    /// training; the rest is split per (file, label) so each file and class keeps its share on both sides.
    /// </summary>
    public static (IReadOnlyList<LabelledText> Train, IReadOnlyList<LabelledText> Test) Split(
        IReadOnlyList<LabelledText> examples, int seed, double testFraction, IReadOnlySet<string> heldOutGroups)
    {
        var random = new Random(seed);
        var train = new List<LabelledText>();
        var test = new List<LabelledText>();
        foreach (var cell in examples.Where(e => e.Group.Length == 0).GroupBy(e => (e.File, e.Label)).OrderBy(g => g.Key.File, StringComparer.Ordinal).ThenBy(g => g.Key.Label, StringComparer.Ordinal))
        {
            var shuffled = cell.Select(e => (Key: random.Next(), Example: e)).OrderBy(p => p.Key).Select(p => p.Example).ToList();
            var testCount = (int)Math.Round(shuffled.Count * testFraction);
            test.AddRange(shuffled.Take(testCount));
            train.AddRange(shuffled.Skip(testCount));
        }

        foreach (var example in examples.Where(e => e.Group.Length > 0))
        {
            (heldOutGroups.Contains(example.Group) ? test : train).Add(example);
        }

        return (train, test);
    }
}
