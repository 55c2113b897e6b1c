using BenchmarkDotNet.Attributes;
using CommunityScale.Threads;

namespace CommunityScale.Bench;

/// <summary>
/// What a forum post costs the thread grain (Markdown rendering and sanitising) and what search costs the index, by the
/// number of posts indexed. Run: <c>dotnet run -c Release --project bench/ModerationBench -- --filter *Forum*</c>.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ForumBenchmarks
{
    private const string Post = "## Parking near the stadium\n\nThe **north garage** opens two hours before kick-off; the *river* car park " +
        "fills by 18:00. See [the club's page](https://fans.example.org/parking) and bring change:\n\n- north garage: €8\n- river: €5\n- " +
        "park & ride from the main station every 10 min\n\n> Tip from @anna: the tram is faster after the match.";

    private static readonly string[] Words =
        ["stadium", "parking", "tickets", "kick-off", "derby", "scarf", "tram", "garage", "away", "home", "fans", "goal", "keeper", "referee", "transfer", "season"];

    private ForumIndex _index = null!;
    private int _next;

    [Params(10_000, 100_000)]
    public int Posts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _index = new ForumIndex();
        for (var i = 0; i < Posts; i++)
        {
            var text = string.Join(' ', Enumerable.Range(0, 40).Select(_ => Words[random.Next(Words.Length)] + (random.Next(8) == 0 ? $"{random.Next(1000)}" : "")));
            _index.Upsert(new SearchDocument((i / 20).ToString(System.Globalization.CultureInfo.InvariantCulture), (i % 20) + 1, $"{i / 20}-{(i % 20) + 1}", $"Thread {i / 20}", text));
        }

        _index.Search("stadium", 1);
    }

    [GlobalCleanup]
    public void Cleanup() => _index.Dispose();

    [Benchmark(Description = "render + sanitise a 400-character post")]
    public string Render() => PostRenderer.ToHtml(Post);

    [Benchmark(Description = "search two words, top 20")]
    public int SearchTwoWords() => _index.Search("parking garage", 20).Total;

    [Benchmark(Description = "search a rare word, top 20")]
    public int SearchRareWord() => _index.Search("derby417", 20).Total;

    [Benchmark(Description = "index one post, then search (reader reopened)")]
    public int IndexThenSearch()
    {
        var n = _next++;
        _index.Upsert(new SearchDocument("bench", n + 1, $"bench-{n}", "Bench", "a fresh post about the derby and the tram"));
        return _index.Search("fresh tram", 20).Total;
    }
}
