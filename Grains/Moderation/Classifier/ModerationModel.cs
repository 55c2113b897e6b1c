using System.Text.Json.Nodes;
using CommunityScale.TextModels;

namespace CommunityScale.Moderation.Classifier;

/// <summary>
/// How the spam/abuse model's data is read, split and measured, in one place, so the trainer and the test that
/// re-measures the shipped model agree by construction. Labels: <c>spam</c>, <c>abuse</c>, <c>ok</c>.
/// </summary>
public static class ModerationModel
{
    public const int Seed = 20261123;
    public const double TestFraction = 0.2;
    public const string FileName = "moderation.model";

    public const string Spam = "spam";
    public const string Abuse = "abuse";
    public const string Ok = "ok";

    /// <summary>
    /// The YouTube file keeps the TubeSpam collection's order: the comments under Psy's video (350), Katy Perry's (350),
    /// then LMFAO's (438). The held-out side takes one whole video, so the figures say how the model does under a video
    /// it never saw (the independent test uses two other videos).
    /// </summary>
    public static readonly IReadOnlyList<(string Video, int Comments)> YouTubeVideos = [("psy", 350), ("katyperry", 350), ("lmfao", 438)];

    public const string YouTubeFile = "youtube-spam-train";
    public const string SmsFile = "sms-spam-train";

    /// <summary>The spam heads and the file whose spam each learns (against every text that is not spam).</summary>
    public static readonly IReadOnlyList<(string Head, string File)> SpamFamilies = [("spam.sms", SmsFile), ("spam.comment", YouTubeFile)];
    public const string HeldOutVideo = "katyperry";

    public static IReadOnlyList<LabelledText> Load(string dataDirectory)
    {
        var examples = LabelledData.Load(dataDirectory);
        var youtube = examples.Where(e => e.File == YouTubeFile).ToList();
        if (youtube.Count == 0)
        {
            return examples;
        }

        if (youtube.Count != YouTubeVideos.Sum(v => v.Comments))
        {
            throw new InvalidDataException($"{YouTubeFile}.tsv has {youtube.Count} comments, not the {YouTubeVideos.Sum(v => v.Comments)} of its three videos: its videos can no longer be told apart by position.");
        }

        var videos = YouTubeVideos.SelectMany(v => Enumerable.Repeat(v.Video, v.Comments)).ToList();
        var index = 0;
        return [.. examples.Select(e => e.File == YouTubeFile ? e with { Group = videos[index++] } : e)];
    }

    public static (IReadOnlyList<LabelledText> Train, IReadOnlyList<LabelledText> Test) Split(IReadOnlyList<LabelledText> examples, string heldOutVideo = HeldOutVideo) =>
        LabelledData.Split(examples, Seed, TestFraction, new HashSet<string>([heldOutVideo], StringComparer.Ordinal));

    /// <summary>The figures written to <c>docs/moderation-metrics.json</c>: the classifier's labels against the held-out split.</summary>
    public static JsonObject Measure(IMessageClassifier classifier, IReadOnlyList<LabelledText> test, IReadOnlyDictionary<string, double> thresholds)
    {
        var predicted = test.Select(e => classifier.Score(e.Text).Label).ToList();
        var report = ClassificationReport.ByFileAndLanguage(test, predicted);
        var settings = new JsonObject();
        foreach (var (name, value) in thresholds.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            settings[name] = Math.Round(value, 4);
        }

        return new JsonObject
        {
            ["model"] = $"Silo/Models/{FileName}",
            ["split"] = $"held out: {TestFraction:P0} of each (file, label) by seed {Seed}, and every comment under the YouTube video '{HeldOutVideo}'",
            ["decision"] = "ok if the spam score (the higher of the spam heads') and the abuse score (of the text's language) are both below 0.5, else the higher of the two (scores rescaled so 0.5 is each head's threshold)",
            ["thresholds"] = settings,
            ["overall"] = report["overall"]!.DeepClone(),
            ["files"] = report["files"]!.DeepClone(),
            ["languages"] = report["languages"]!.DeepClone(),
        };
    }
}
