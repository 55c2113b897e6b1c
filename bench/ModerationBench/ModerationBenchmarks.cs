using BenchmarkDotNet.Attributes;
using CommunityScale.Moderation;

namespace CommunityScale.Bench;

/// <summary>What the hot path pays per message for blocked terms (by list size) and for the whole rule pipeline.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ModerationBenchmarks
{
    private const string Message = "What a match tonight!! Did anyone see that free kick in the 89th minute? " +
        "Unglaublich, das war das beste Tor der Saison. Meet at https://fans.example.org after the game, bring scarves @anna @ben";

    private TermMatcher _matcher = null!;
    private ModerationPipeline _pipeline = null!;
    private int _clock;

    [Params(0, 100, 10_000)]
    public int Terms { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        string Word() => new([.. Enumerable.Range(0, random.Next(4, 10)).Select(_ => (char)('a' + random.Next(26)))]);
        var terms = Enumerable.Range(0, Terms).Select(i => (i % 3) switch { 0 => Word(), 1 => Word() + "*", _ => $"*{Word()}*" }).ToList();
        _matcher = new TermMatcher(terms, ["scunthorpe"]);
        _pipeline = ModerationPipeline.Build(ModerationPolicy.Default with { BlockedTerms = terms, MaxMentions = 5 }, 0, int.MaxValue, TimeSpan.FromSeconds(5));
    }

    [Benchmark(Description = "normalize")]
    public string Normalize() => TextNormalizer.Normalize(Message);

    [Benchmark(Description = "blocked terms (normalize + match)")]
    public string? BlockedTerms() => _matcher.FindBlocked(Message);

    [Benchmark(Description = "whole pipeline (no classifier)")]
    public Verdict? Pipeline() =>
        _pipeline.Evaluate(new ModerationInput($"fan-{_clock++ % 1000}", 1, Message, DateTimeOffset.UnixEpoch.AddSeconds(_clock)));
}
