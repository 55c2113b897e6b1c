using CommunityScale.Errors;
using CommunityScale.Moderation;

namespace CommunityScale.Grains.Tests.Moderation;

[Trait("Area", "Moderation")]
public sealed class ModerationRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static ModerationInput Say(string text, int trust = 0, string author = "ann", double atSeconds = 0) => new(author, trust, text, T0.AddSeconds(atSeconds));

    [Theory]
    [InlineData("Spam", "spam")]
    [InlineData("S P A M", "spam")]
    [InlineData("s p a m now", "spam now")]
    [InlineData("5pam", "spam")]
    [InlineData("sp.am", "spam")]
    [InlineData("$p@m", "spam")]
    [InlineData("Straße", "strasse")]
    [InlineData("ÄRGER über Öl", "aerger ueber oel")]
    [InlineData("ｓｐａｍ", "spam")]
    [InlineData("café, naïve", "cafe naive")]
    [InlineData("a b", "a b")]
    [InlineData("Hello! sh!t", "hello shit")]
    [InlineData("Jetzt K A U F E N!!", "jetzt kaufen")]
    public void Text_is_normalized_for_matching(string text, string normalized) =>
        Assert.Equal(normalized, TextNormalizer.Normalize(text));

    [Theory]
    [InlineData("buy SPAM today", true)]
    [InlineData("s p a m", true)]
    [InlineData("5p4m", true)]
    [InlineData("sp-am", true)]
    [InlineData("spammer", false)]
    [InlineData("nothing here", false)]
    public void Whole_word_terms_match_evasions_but_not_longer_words(string text, bool blocked) =>
        Assert.Equal(blocked, new TermMatcher(["spam"], []).FindBlocked(text) is not null);

    [Theory]
    [InlineData("du Arschloch", true)]
    [InlineData("DU ARSCHLOCH!!", true)]
    [InlineData("wie DAEMLICH", true)]
    [InlineData("wie dämlich", true)]
    [InlineData("Hurensohn!", true)]
    [InlineData("die Straße ist frei", false)]
    [InlineData("Scheiße gelaufen", true)]
    [InlineData("scheisse", true)]
    public void German_terms_match_with_umlauts_and_sharp_s_folded(string text, bool blocked) =>
        Assert.Equal(blocked, new TermMatcher(["arschloch*", "hurensohn", "scheiße", "dämlich"], []).FindBlocked(text) is not null);

    [Fact]
    public void Wildcards_choose_prefix_suffix_or_anywhere()
    {
        var matcher = new TermMatcher(["idiot*", "*hole", "*crap*"], []);
        Assert.NotNull(matcher.FindBlocked("what idiots"));
        Assert.Null(matcher.FindBlocked("you are an ex-idiot"));
        Assert.NotNull(matcher.FindBlocked("a real a-hole"));
        Assert.NotNull(matcher.FindBlocked("this is supercrappy"));
        Assert.Null(matcher.FindBlocked("holes in the road"));
    }

    [Fact]
    public void The_allow_list_solves_the_scunthorpe_problem()
    {
        var strict = new TermMatcher(["*cunt*"], []);
        Assert.NotNull(strict.FindBlocked("I live in Scunthorpe"));
        var fair = new TermMatcher(["*cunt*"], ["Scunthorpe"]);
        Assert.Null(fair.FindBlocked("I live in Scunthorpe"));
        Assert.NotNull(fair.FindBlocked("you c u n t"));
    }

    [Theory]
    [InlineData("\u0456d\u0456\u043Et", "idiot")] // Cyrillic і and о
    [InlineData("\u0406\u0414IOT", "iдiot")] // Cyrillic І folds; Д has no Latin look-alike and stays
    [InlineData("\u03B9d\u03B9\u03BFt", "idiot")] // Greek ι and ο
    [InlineData("\u0455\u0440\u0430m", "spam")] // Cyrillic ѕ, р, а
    [InlineData("\u0443\u043E\u0443", "yoy")]
    [InlineData("Грамматика", "rpaммaтикa")] // a whole Cyrillic word: its look-alikes fold, the rest stays Cyrillic
    [InlineData("Ärger über Öl, Straße", "aerger ueber oel strasse")]
    public void Look_alike_letters_of_other_scripts_fold_to_the_latin_ones(string text, string normalized) =>
        Assert.Equal(normalized, TextNormalizer.Normalize(text));

    [Fact]
    public void The_shipped_confusables_data_is_loaded() =>
        Assert.InRange(Confusables.Count, 1000, 7000);

    [Theory]
    [InlineData("you \u0456d\u0456\u043Et", true)]
    [InlineData("idiiiooooot", true)]
    [InlineData("IDIOOOOOT!!", true)]
    [InlineData("\u0456d\u0456\u0456\u0456\u043Et", true)]
    [InlineData("idiot", true)]
    [InlineData("idiiot", false)] // a doubled letter is spelling, not stretching
    [InlineData("idiots", false)]
    public void Stretched_and_look_alike_letters_match_a_whole_word_term(string text, bool blocked) =>
        Assert.Equal(blocked, new TermMatcher(["idiot"], []).FindBlocked(text) is not null);

    [Theory]
    [InlineData("ass", "what an asssss", true)]
    [InlineData("ass", "as I said", false)]
    [InlineData("ass", "aaas", false)] // stretching the a does not supply the missing s
    [InlineData("god", "good game", false)]
    [InlineData("god", "gooood game", true)] // stretched, "god" and "good" read alike
    [InlineData("*as*", "passion", true)]
    [InlineData("*ass*", "base", false)]
    [InlineData("scheiße", "scheiiiiiße", true)]
    [InlineData("brennnessel", "brennnessel", true)]
    [InlineData("fuck*", "fuuuuuuckers", true)]
    public void Stretching_needs_three_or_more_and_never_shortens_a_terms_own_runs(string term, string text, bool blocked) =>
        Assert.Equal(blocked, new TermMatcher([term], []).FindBlocked(text) is not null);

    [Fact]
    public void The_allow_list_holds_for_stretched_and_look_alike_spellings_too()
    {
        var fair = new TermMatcher(["*cunt*"], ["Scunthorpe"]);
        Assert.Null(fair.FindBlocked("I live in Scunthorpe"));
        Assert.Null(fair.FindBlocked("I live in \u0405cunthorpe"));
        Assert.NotNull(fair.FindBlocked("you cuuuunt"));
        Assert.Null(fair.FindBlocked("Scuuuunthorpe"));
    }

    [Fact]
    public void Ten_thousand_terms_compile_and_still_find_the_one_that_matters()
    {
        // Letters only: digits would read as leetspeak ("term5" is "terms").
        static string Word(int i) => new([.. $"{i:D5}".Select(d => (char)('k' + d - '0'))]);
        var terms = Enumerable.Range(0, 10_000).Select(i => $"zz{Word(i)}").Append("forbidden phrase").ToList();
        var matcher = new TermMatcher(terms, []);
        Assert.Equal(10_001, matcher.TermCount);
        Assert.Equal("forbidden phrase", matcher.FindBlocked("this has a Forbidden  Phrase in it"));
        Assert.Equal($"zz{Word(4711)}", matcher.FindBlocked($"see ZZ{Word(4711).ToUpperInvariant()} please"));
        Assert.Null(matcher.FindBlocked($"clean text about zz{Word(4711)}x and terms"));
    }

    [Fact]
    public void Slow_mode_refuses_until_the_interval_passed_and_says_how_long()
    {
        var pipeline = new ModerationPipeline([new SlowModeStep(TimeSpan.FromSeconds(30))]);
        Assert.Null(pipeline.Evaluate(Say("one")));
        pipeline.Accepted(Say("one"));
        var verdict = pipeline.Evaluate(Say("two", atSeconds: 10));
        Assert.Equal(ErrorCodes.SlowMode, verdict!.Code);
        Assert.Contains("20 s left", verdict.Reason, StringComparison.Ordinal);
        Assert.Null(pipeline.Evaluate(Say("two", author: "bob", atSeconds: 10)));
        Assert.Null(pipeline.Evaluate(Say("three", atSeconds: 30)));
    }

    [Fact]
    public void The_same_text_twice_within_the_window_is_a_duplicate()
    {
        var step = new DuplicateStep(TimeSpan.FromSeconds(30));
        step.Accepted(Say("Buy now!"));
        Assert.Equal(ErrorCodes.BlockedContent, step.Evaluate(Say("buy   NOW", atSeconds: 5))?.Code);
        Assert.Null(step.Evaluate(Say("buy now", author: "bob", atSeconds: 5)));
        Assert.Null(step.Evaluate(Say("buy now", atSeconds: 31)));
    }

    [Fact]
    public void Link_policy_denies_domains_limits_to_an_allow_list_and_needs_trust()
    {
        Assert.Equal(["example.com", "www.shop.de"], LinkPolicyStep.Domains("see https://example.com/x and www.shop.de today, mail me@host.com"));

        var denied = new LinkPolicyStep([], ["spam.ru"], 0);
        Assert.NotNull(denied.Evaluate(Say("go to http://cheap.spam.ru/now")));
        Assert.Null(denied.Evaluate(Say("go to https://example.com")));

        var allowList = new LinkPolicyStep(["example.com"], [], 0);
        Assert.Null(allowList.Evaluate(Say("https://docs.example.com/page")));
        Assert.Contains("Only links to example.com", allowList.Evaluate(Say("https://other.org"))!.Reason, StringComparison.Ordinal);

        var trusted = new LinkPolicyStep([], [], 2);
        Assert.Contains("trust level 2", trusted.Evaluate(Say("https://example.com", trust: 1))!.Reason, StringComparison.Ordinal);
        Assert.Null(trusted.Evaluate(Say("https://example.com", trust: 2)));
        Assert.Null(trusted.Evaluate(Say("no links here", trust: 0)));
    }

    [Fact]
    public void Too_many_distinct_mentions_are_refused()
    {
        var step = new MentionFloodStep(3);
        Assert.Null(step.Evaluate(Say("@a @b @c hi @a")));
        Assert.Contains("4 members", step.Evaluate(Say("@a @b @c @d"))!.Reason, StringComparison.Ordinal);
        Assert.Null(step.Evaluate(Say("mail me at x@y.com @a")));
        Assert.Null(step.Evaluate(Say("@a @b @c @d @e", trust: 1)));
        Assert.Contains("at most 5", step.Evaluate(Say("@a @b @c @d @e @f", trust: 1))!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mention_of_everybody_is_not_counted_as_members_named_one_by_one()
    {
        var step = new MentionFloodStep(1);
        Assert.Null(step.Evaluate(Say("@everyone @here @a look")));
        // Only the reserved tokens are excused: a second member still goes over the limit, and "@everyones" is an id.
        Assert.Contains("2 members", step.Evaluate(Say("@everyone @a @b"))!.Reason, StringComparison.Ordinal);
        Assert.Contains("2 members", step.Evaluate(Say("@everyones @a"))!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pipeline_runs_steps_in_order_and_keeps_memory_across_a_policy_change()
    {
        var policy = ModerationPolicy.Default with { BlockedTerms = ["spam"] };
        var first = ModerationPipeline.Build(policy, slowModeSeconds: 10, rateLimitCount: 5, rateLimitWindow: TimeSpan.FromSeconds(5));
        Assert.Null(first.Evaluate(Say("hello")));
        first.Accepted(Say("hello"));
        Assert.Equal(ErrorCodes.SlowMode, first.Evaluate(Say("spam", atSeconds: 1))!.Code);

        var second = ModerationPipeline.Build(policy with { BlockedTerms = [] }, 10, 5, TimeSpan.FromSeconds(5)).CarryMemoryFrom(first);
        Assert.Equal(ErrorCodes.SlowMode, second.Evaluate(Say("again", atSeconds: 2))!.Code);
        Assert.Null(second.Evaluate(Say("spam", atSeconds: 11)));
    }
}

[Trait("Area", "Moderation")]
public sealed class StandingRulesTests
{
    private static readonly StrikeStep[] Ladder = [new(3, 60, false), new(4, 1440, false), new(5, 0, true)];

    [Theory]
    [InlineData(1, null)]
    [InlineData(2, null)]
    [InlineData(3, 60)]
    [InlineData(4, 1440)]
    [InlineData(5, 0)]
    [InlineData(9, 0)]
    public void The_strike_ladder_gives_each_rung_its_penalty_and_the_top_rung_past_it(int warnings, int? muteMinutes)
    {
        var step = StrikeLadder.PenaltyFor(warnings, Ladder);
        Assert.Equal(muteMinutes, step?.MuteMinutes);
        Assert.Equal(warnings >= 5, step?.Ban ?? false);
    }

    [Fact]
    public void Trust_is_earned_by_days_and_messages_kept_when_quiet_and_frozen_by_an_active_warning()
    {
        TrustThreshold[] levels = [new(1, 1, 10), new(2, 7, 100), new(3, 30, 500)];
        Assert.Equal(0, TrustLadder.LevelFor(0, 50, 0, 0, levels));
        Assert.Equal(1, TrustLadder.LevelFor(3, 50, 0, 0, levels));
        Assert.Equal(1, TrustLadder.LevelFor(30, 99, 0, 0, levels));
        Assert.Equal(3, TrustLadder.LevelFor(30, 500, 0, 1, levels));
        Assert.Equal(1, TrustLadder.LevelFor(30, 500, 1, 1, levels));
        Assert.Equal(2, TrustLadder.LevelFor(0, 0, 0, 2, levels));
    }

    [Fact]
    public void Report_priority_sums_reporter_accuracy_with_a_neutral_start()
    {
        Assert.Equal(0.5, ReviewPriority.Accuracy(0, 0));
        Assert.Equal(0.8, ReviewPriority.Accuracy(3, 0), 3);
        Assert.Equal(0.2, ReviewPriority.Accuracy(0, 3), 3);
        Assert.Equal(1.5, ReviewPriority.ForReport([0.5, 0.8, 0.2]), 3);
        Assert.True(ReviewPriority.ForReport([0.5, 0.5, 0.5]) > ReviewPriority.Held);
    }
}
