using System.Text.Json.Nodes;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Moderation.Classifier;
using CommunityScale.TestSupport;
using CommunityScale.TextModels;

namespace CommunityScale.Grains.Tests.Moderation;

[Trait("Area", "Moderation")]
public sealed class ClassifierTests
{
    /// <summary>The drift allowed between the shipped model's figures and docs/moderation-metrics.json.</summary>
    public const double Tolerance = 0.005;

    private static readonly Lazy<LinearMessageClassifier> Shipped = new(() =>
        new LinearMessageClassifier(LinearModel.Load(Path.Combine(RepoPaths.Root, "Silo", "Models", ModerationModel.FileName))));

    [Fact]
    public void The_shipped_model_measures_on_the_held_out_split_what_docs_moderation_metrics_json_says()
    {
        var examples = ModerationModel.Load(Path.Combine(RepoPaths.Root, "data", "moderation"));
        var (train, test) = ModerationModel.Split(examples);
        Assert.DoesNotContain(train, e => e.Group == ModerationModel.HeldOutVideo);
        Assert.Equal(["davidson2017-train", "germeval2018-train", "sms-spam-train", "youtube-spam-train"], test.Select(e => e.File).Distinct().Order());

        var model = Shipped.Value.Model;
        var thresholds = model.Settings.Where(s => s.Key.StartsWith("threshold.", StringComparison.Ordinal)).ToDictionary();
        var measured = ModerationModel.Measure(Shipped.Value, test, thresholds);
        var published = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "moderation-metrics.json")))!;
        var differences = ClassificationReport.Differences(published, measured, Tolerance);
        Assert.True(differences.Count == 0, string.Join("\n", differences));
        Assert.True(published["files"]!.AsObject().Count == 4 && published["languages"]!["de"]!["classes"]!["abuse"] is not null);
    }

    [Fact]
    public void The_drift_check_fails_when_a_figure_moves()
    {
        var published = JsonNode.Parse("""{ "files": { "sms": { "classes": { "spam": { "precision": 0.98, "support": 111 } } } } }""")!;
        var same = JsonNode.Parse("""{ "files": { "sms": { "classes": { "spam": { "precision": 0.9830, "support": 111 } } } } }""")!;
        var moved = JsonNode.Parse("""{ "files": { "sms": { "classes": { "spam": { "precision": 0.97, "support": 111 } } } } }""")!;
        var missing = JsonNode.Parse("""{ "files": { } }""")!;
        Assert.Empty(ClassificationReport.Differences(published, same, Tolerance));
        Assert.Single(ClassificationReport.Differences(published, moved, Tolerance));
        Assert.Equal(2, ClassificationReport.Differences(published, missing, Tolerance).Count);
    }

    [Theory]
    [InlineData("WINNER!! You have been selected to receive a £900 prize reward! To claim call 09061701461. Valid 12 hours only.", "spam")]
    [InlineData("Check out my channel and subscribe, I post new music every day!", "spam")]
    [InlineData("Du bist so ein dummes Stück Scheiße, verpiss dich", "abuse")]
    [InlineData("See you at the stadium tonight, I'll bring the scarves", "ok")]
    [InlineData("Danke für das tolle Spiel gestern, bis nächste Woche!", "ok")]
    public void The_model_tells_spam_and_abuse_from_ordinary_chat(string text, string label)
    {
        var scores = Shipped.Value.Score(text);
        Assert.True(scores.Label == label, $"{scores} for \"{text}\"");
    }

    [Theory]
    [InlineData("Halt endlich dein dummes Maul, du widerlicher Vollidiot!", "de")]
    [InlineData("Wir sehen uns heute Abend im Stadion", "de")]
    [InlineData("We will see you at the stadium tonight", "en")]
    public void Each_text_is_judged_by_the_abuse_head_of_its_language(string text, string language) =>
        Assert.Equal(language, Shipped.Value.Score(text).Language);

    [Theory]
    [InlineData(0.1f, 0.4f, 0.125f)]
    [InlineData(0.4f, 0.4f, 0.5f)]
    [InlineData(0.7f, 0.4f, 0.75f)]
    [InlineData(1f, 0.4f, 1f)]
    [InlineData(0f, 0.8f, 0f)]
    public void Scores_are_rescaled_so_each_decisions_threshold_lands_on_one_half(float probability, float threshold, float score) =>
        Assert.Equal(score, LinearMessageClassifier.Rescale(probability, threshold), 4);

    [Fact]
    public void The_model_file_round_trips_and_refuses_what_is_not_one()
    {
        var path = Path.GetTempFileName();
        try
        {
            var weights = new float[(1 << 4) * 2];
            weights[3] = 1.5f;
            weights[30] = -0.25f;
            new LinearModel(4, ["a", "b"], weights, [0.5f, -1f], new Dictionary<string, double> { ["threshold.a"] = 0.42 }).Save(path);
            var loaded = LinearModel.Load(path);
            Assert.Equal(["a", "b"], loaded.Heads);
            Assert.Equal(0.42, loaded.Setting("threshold.a"));
            var features = new FeatureBuffer();
            TextFeatures.Extract("some words to hash", 4, features);
            Span<float> logits = stackalloc float[2];
            loaded.Score(features, logits);
            Assert.NotEqual(0.5f, logits[0]);

            File.WriteAllText(path, "not a model");
            Assert.ThrowsAny<Exception>(() => LinearModel.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

[Trait("Area", "Moderation")]
public sealed class TextFeatureTests
{
    [Theory]
    [InlineData("Soooooo GOOD!!! see https://spam.example/x?y=1 @ann", "soo good _shout_ ! see _link_ _mention_")]
    [InlineData("Call 09061701461 now £900", "call 00000000000 now _money_ 000")]
    [InlineData("Straße &amp; Ärger", "straße ärger")]
    [InlineData("\u0456d\u0456\u043Et<br />ok", "idiot ok")]
    public void Texts_become_tokens_with_markers(string text, string tokens) =>
        Assert.Equal(tokens, string.Join(' ', TextFeatures.Tokenize(text).Select(t => t.Text)));

    [Theory]
    [InlineData("see https://www.Example.com/x?y=1 and <a href=\"http://t.co/abc\">this</a>", "see _link_ _host_example.com and _link_ _host_t.co this")]
    [InlineData("join www.gofundme.com, now!", "join _link_ _host_gofundme.com now !")]
    public void Links_carry_their_host_when_the_model_asks_for_it(string text, string tokens)
    {
        Assert.Equal(tokens, string.Join(' ', TextFeatures.Tokenize(text, linkHosts: true).Select(t => t.Text)));
        Assert.DoesNotContain(TextFeatures.Tokenize(text), t => t.Text.StartsWith("_host_", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("see https://youtu.be/abc and <a href=\"http://t.co/abc\">this</a>", "see _link_ _link_youtube_ and _link_ _link_other_ this")]
    [InlineData("my video www.YouTube.com/watch?v=x", "my video _link_ _link_youtube_")]
    public void Links_carry_their_kind_when_the_model_asks_for_it(string text, string tokens)
    {
        Assert.Equal(tokens, string.Join(' ', TextFeatures.Tokenize(text, linkKinds: true).Select(t => t.Text)));
        Assert.DoesNotContain(TextFeatures.Tokenize(text), t => t.Text.StartsWith("_link_y", StringComparison.Ordinal));
    }

    [Fact]
    public void Feature_settings_travel_in_the_model_settings_and_the_defaults_write_none()
    {
        Assert.Empty(new FeatureSettings(20).ToSettings());
        Assert.Equal(new FeatureSettings(20), FeatureSettings.From(20, new Dictionary<string, double>()));
        var custom = new FeatureSettings(18, 3, 6, LinkHosts: true, Markers: true, LinkKinds: true);
        Assert.Equal(custom, FeatureSettings.From(18, custom.ToSettings().ToDictionary()));
    }

    [Fact]
    public void Markers_are_not_diluted_by_a_long_text()
    {
        var plain = new FeatureBuffer();
        var marked = new FeatureBuffer();
        var text = "a long comment about the song and the video and the singer, then a link http://example.com/win";
        TextFeatures.Extract(text, new FeatureSettings(20, LinkHosts: true), plain);
        TextFeatures.Extract(text, new FeatureSettings(20, LinkHosts: true, Markers: true), marked);
        Assert.Equal(plain.Count + 2, marked.Count);
        Assert.Equal([1f, 1f], marked.Values[^2..].ToArray());
        Assert.All(plain.Values.ToArray(), v => Assert.True(v < 1));
    }

    [Fact]
    public void The_same_text_always_hashes_to_the_same_buckets_within_range()
    {
        var a = new FeatureBuffer();
        var b = new FeatureBuffer();
        TextFeatures.Extract("Halt endlich dein Maul", 20, a);
        TextFeatures.Extract("Halt endlich dein Maul", 20, b);
        Assert.Equal(a.Indices.ToArray(), b.Indices.ToArray());
        Assert.All(a.Indices.ToArray(), i => Assert.InRange(i, 0, (1 << 20) - 1));
        Assert.True(a.Count > 40);
    }
}

[Collection(SharedCluster.Name)]
[Trait("Area", "Moderation")]
public sealed class ClassifierPolicyTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Above_the_community_threshold_the_classifier_refuses_the_message_and_says_which_decision()
    {
        var owner = new Actor("owner", "Owner");
        var ann = new Actor("ann", "Ann");
        var community = $"k-{Guid.NewGuid():n}";
        await fixture.Client.GetGrain<ICommunityGrain>(community).Create("Fans", owner);
        await fixture.Client.GetGrain<ICommunityGrain>(community).Join(ann);
        await fixture.Client.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, owner);
        await fixture.Client.GetGrain<IModerationPolicyGrain>(community).Update(new ModerationPolicyUpdate(null, null, null, null, null, null, null, 0.5), owner);
        var channel = fixture.Client.GetGrain<IChannelGrain>(new ChannelKey(community, "live").ToString());

        var spam = await Assert.ThrowsAsync<CommunityException>(() => channel.Send(new SendMessageCommand("ann", "Ann",
            "WINNER!! You have been selected to receive a £900 prize reward! To claim call 09061701461. Valid 12 hours only.", "c1")));
        Assert.Equal(ErrorCodes.BlockedContent, spam.Code);
        Assert.Contains("looks like spam", spam.Reason, StringComparison.Ordinal);
        var abuse = await Assert.ThrowsAsync<CommunityException>(() => channel.Send(new SendMessageCommand("ann", "Ann",
            "Du bist so ein dummes Stück Scheiße, verpiss dich", "c2")));
        Assert.Equal(ErrorCodes.BlockedContent, abuse.Code);
        Assert.Contains("looks like abuse", abuse.Reason, StringComparison.Ordinal);
        Assert.Equal(1, (await channel.Send(new SendMessageCommand("ann", "Ann", "See you at the stadium tonight, I'll bring the scarves", "c3"))).Seq);
    }
}
