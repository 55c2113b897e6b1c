using System.Text.Json.Nodes;
using CommunityScale.Sentiment;
using CommunityScale.TestSupport;
using CommunityScale.TextModels;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Grains.Tests.Sentiment;

[Trait("Area", "Moderation")]
public sealed class SentimentClassifierTests
{
    private static readonly Lazy<LinearSentimentClassifier> Shipped = new(() =>
        new LinearSentimentClassifier(LinearModel.Load(Path.Combine(RepoPaths.Root, "Silo", "Models", SentimentModel.FileName))));

    [Fact]
    public void The_shipped_model_measures_on_the_held_out_split_what_docs_sentiment_metrics_json_says()
    {
        var (train, test) = SentimentModel.Split(LabelledData.Load(Path.Combine(RepoPaths.Root, "data", "sentiment")));
        Assert.Equal(["germeval2017-train", "tweeteval-train"], test.Select(e => e.File).Distinct().Order());
        Assert.True(train.Count > 3 * test.Count);

        var measured = SentimentModel.Measure(Shipped.Value, test);
        var published = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "sentiment-metrics.json")))!;
        var differences = ClassificationReport.Differences(published, measured, Moderation.ClassifierTests.Tolerance);
        Assert.True(differences.Count == 0, string.Join("\n", differences));
        Assert.NotNull(published["languages"]!["de"]!["macro_recall"]);
    }

    [Theory]
    [InlineData("I love this team, what a fantastic game!", "positive", "en")]
    [InlineData("This is the worst service ever, I hate it", "negative", "en")]
    [InlineData("Schon wieder 40 Minuten Verspätung, die Bahn ist eine Katastrophe", "negative", "de")]
    [InlineData("Der Zug fährt um 14 Uhr ab Gleis 3", "neutral", "de")]
    public void The_model_tells_the_sentiment_of_plain_texts(string text, string label, string language)
    {
        var result = Shipped.Value.Score(text);
        Assert.True(result.Label == label && result.Language == language, $"{result} for \"{text}\"");
        Assert.InRange(result.Score, 1f / 3, 1f);
    }

    [Fact]
    public void Offsets_move_the_boundary_between_classes() =>
        Assert.Equal(2, LinearSentimentClassifier.Best([0.1f, 0.5f, 0.2f], [0, 0, 0.4f]));

    [Fact]
    public void The_silo_registers_both_classifiers_from_its_shipped_files()
    {
        var settings = new Dictionary<string, string?>();
        Assert.EndsWith(Path.Combine("Models", SentimentModel.FileName), ShippedModels.SentimentPath(k => settings.GetValueOrDefault(k)), StringComparison.Ordinal);
        settings["Sentiment:ModelPath"] = "/elsewhere/s.model";
        Assert.Equal("/elsewhere/s.model", ShippedModels.SentimentPath(k => settings.GetValueOrDefault(k)));
        var services = new ServiceCollection();
        services.AddSingleton(ShippedModels.Sentiment(_ => null));
        using var provider = services.BuildServiceProvider();
        Assert.Equal("positive", provider.GetRequiredService<ISentimentClassifier>().Score("I love this team, what a fantastic game!").Label);
    }
}
