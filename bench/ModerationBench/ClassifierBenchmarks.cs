using BenchmarkDotNet.Attributes;
using CommunityScale.Moderation;
using CommunityScale.Moderation.Classifier;
using CommunityScale.Sentiment;
using CommunityScale.TextModels;

namespace CommunityScale.Bench;

/// <summary>
/// What the trained models cost per message (issue 26): the whole moderation pipeline with the classifier on, the
/// moderation model alone, and the sentiment model, on ordinary chat texts in English and German of typical lengths.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ClassifierBenchmarks
{
    private static readonly string[] Messages =
    [
        "What a match tonight!! Did anyone see that free kick in the 89th minute? Meet at https://fans.example.org after the game @anna @ben",
        "Unglaublich, das war das beste Tor der Saison. Wir sehen uns nächste Woche im Stadion!",
        "lol same",
        "Check out my channel, I post new covers every day, subscribe and win a free gift card!!",
    ];

    private ModerationPipeline _pipeline = null!;
    private LinearMessageClassifier _moderation = null!;
    private LinearSentimentClassifier _sentiment = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var models = ModelsFolder();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        _moderation = new LinearMessageClassifier(LinearModel.Load(Path.Combine(models, ModerationModel.FileName)));
        var afterModeration = GC.GetTotalMemory(forceFullCollection: true);
        _sentiment = new LinearSentimentClassifier(LinearModel.Load(Path.Combine(models, SentimentModel.FileName)));
        var afterSentiment = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// managed heap: moderation model {(afterModeration - before) / 1024.0 / 1024:0.0} MiB, sentiment model {(afterSentiment - afterModeration) / 1024.0 / 1024:0.0} MiB");
        var random = new Random(42);
        string Word() => new([.. Enumerable.Range(0, random.Next(4, 10)).Select(_ => (char)('a' + random.Next(26)))]);
        var terms = Enumerable.Range(0, 100).Select(i => (i % 3) switch { 0 => Word(), 1 => Word() + "*", _ => $"*{Word()}*" }).ToList();
        // Threshold 0.99: the classifier runs on every message and (almost) none is refused, so every step runs.
        _pipeline = ModerationPipeline.Build(ModerationPolicy.Default with { BlockedTerms = terms, MaxMentions = 5, ClassifierThreshold = 0.99 }, 0, int.MaxValue, TimeSpan.FromSeconds(5), _moderation);
    }

    /// <summary>BenchmarkDotNet runs a generated copy of this project elsewhere: look for the silo's Models/ upwards too.</summary>
    private static string ModelsFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "Models"), Path.Combine(dir.FullName, "Silo", "Models") })
            {
                if (File.Exists(Path.Combine(candidate, ModerationModel.FileName)))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException("Silo/Models/ with the trained models was not found above " + AppContext.BaseDirectory);
    }

    private string Next() => Messages[_next++ % Messages.Length];

    [Benchmark(Description = "whole pipeline with the classifier (100 terms)")]
    public Verdict? Pipeline() =>
        _pipeline.Evaluate(new ModerationInput($"fan-{_next % 1000}", 1, Next(), DateTimeOffset.UnixEpoch.AddSeconds(_next)));

    [Benchmark(Description = "moderation model alone")]
    public ModerationScores Moderation() => _moderation.Score(Next());

    [Benchmark(Description = "sentiment model")]
    public SentimentResult Sentiment() => _sentiment.Score(Next());
}
