using CommunityScale.Campaigns;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Events;
using CommunityScale.Insights;
using CommunityScale.TestSupport;
using CommunityScale.Threads;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// Accepted chat messages, thread posts and survey comments scored by the shipped sentiment model land in the KPIs'
/// buckets per day, segment, channel, campaign and source. The texts are ones the model is sure of (0.88 and more,
/// <c>./scripts/classify sentiment</c>), so the counts are exact.
/// </summary>
[Collection(ClockedCluster.Name)]
[Trait("Area", "Insights")]
public sealed class SentimentKpiTests(ClockedClusterFixture fixture)
{
    private const string Loving = "I love this team, what a fantastic game!";
    private const string Grateful = "Thank you so much, this is wonderful news!";
    private const string Delighted = "Awesome event, thanks everyone, loved it!";
    private const string Hating = "This is the worst service ever, I hate it.";
    private const string Fuming = "Die Bahn ist schon wieder zu spät, total ätzend und furchtbar.";
    private const string Crashing = "Horrible, the stream kept crashing, what a disaster.";
    private const string Asking = "Where do I get tickets?";

    private IGrainFactory Grains => fixture.Client;

    [Fact]
    public async Task Scored_posts_and_comments_fill_the_sentiment_shares_per_day_segment_channel_campaign_and_source_and_erasure_keeps_only_counts()
    {
        using var frozen = fixture.Clock.Freeze();
        var monday = DateOnly.FromDateTime(fixture.Clock.AdvanceTo(DayOfWeek.Monday, new TimeOnly(8, 0), daysAhead: 8).UtcDateTime);
        var community = $"s-{Guid.NewGuid():n}"[..20];
        var (owner, ann, bob) = (new Actor($"o-{community}", "Olga"), new Actor($"a-{community}", "Ann"), new Actor($"b-{community}", "Bob"));
        var communityGrain = Grains.GetGrain<ICommunityGrain>(community);
        await communityGrain.Create("Fans", owner);
        await communityGrain.Join(ann);
        await communityGrain.Join(bob);
        await communityGrain.CreateChannel("live", "Live", null, owner);
        await communityGrain.CreateChannel("help", "Help", null, owner);
        var fields = Grains.GetGrain<IProfileFieldsGrain>(community);
        await fields.Define([new ProfileField("industry", "Industry", ["retail", "finance"])], owner);
        await fields.SetMemberProfile(new Dictionary<string, IReadOnlyList<string>> { ["industry"] = ["retail"] }, ann);
        await fields.SetMemberProfile(new Dictionary<string, IReadOnlyList<string>> { ["industry"] = ["finance"] }, bob);
        var start = fixture.Clock.GetUtcNow();
        await Grains.GetGrain<ICampaignGrain>($"{community}/cheer").Create(
            new NewCampaign("cheer", "Cheer on", null, start.AddMinutes(30), start.AddDays(3), 1.5, new CampaignScope(ChannelIds: ["live"])), owner);

        // Day 1, within the campaign: two glad messages and an angry one in #live (the campaign's channel), an angry
        // German one and a question in #help.
        fixture.Clock.Advance(TimeSpan.FromHours(1));
        var (live, help) = (Channel(community, "live"), Channel(community, "help"));
        await live.Send(new SendMessageCommand(ann.UserId, ann.DisplayName, Loving, "m1"));
        await live.Send(new SendMessageCommand(ann.UserId, ann.DisplayName, Grateful, "m2"));
        await live.Send(new SendMessageCommand(bob.UserId, bob.DisplayName, Hating, "m3"));
        await help.Send(new SendMessageCommand(bob.UserId, bob.DisplayName, Fuming, "m4"));
        await help.Send(new SendMessageCommand(ann.UserId, ann.DisplayName, Asking, "m5"));

        // Day 2: Ann asks in a thread, Bob replies in anger; after the event day Ann comments gladly, Bob angrily.
        fixture.Clock.Advance(TimeSpan.FromDays(1));
        var dayStart = fixture.Clock.GetUtcNow();
        var day = Grains.GetGrain<IEventGrain>($"{community}/day");
        await day.Create(new NewEvent("day", "Community day", null, dayStart, dayStart.AddHours(4), 10, null, ReminderMinutes: 0), owner);
        await day.Rsvp(ann);
        await day.Rsvp(bob);
        var question = await Grains.GetGrain<IThreadDirectoryGrain>(community).CreateThread(new NewThread(null, ThreadKind.Question, "Tickets?", Asking, null), ann);
        await Grains.GetGrain<IThreadGrain>(new ThreadKey(community, question.ThreadId).ToString()).Reply(new NewReply(Crashing, 1, "r1"), bob);
        var survey = Grains.GetGrain<ISurveyGrain>($"{community}/day");
        await survey.Answer(new SurveyAnswer(5, 10, Delighted), ann);
        await survey.Answer(new SurveyAnswer(2, 3, Hating), bob);

        var kpis = Grains.GetGrain<ICommunityKpisGrain>(community);
        var (d1, d2) = (monday, monday.AddDays(1));
        KpiReport report = null!;
        await Responses.Eventually(async () => (report = await kpis.Report(d1, d2, Segment.Everyone, owner)).Totals.Sentiment?.Scored == 9 && report.Totals.Posts == 7,
            "every scored text to reach the KPI buckets");

        Assert.Equal(new KpiSentimentShares(5, 2, 1, 2, 0.4, 0.2, 0.4), report.Days[0].Sentiment);
        Assert.Equal(new KpiSentimentShares(4, 2, 1, 1, 0.5, 0.25, 0.25), report.Days[1].Sentiment);
        Assert.Equal(new KpiSentimentShares(9, 4, 2, 3, 0.444, 0.222, 0.333), report.Totals.Sentiment);
        Assert.Equal(report.Totals.Sentiment, Assert.Single(report.Weeks).Sentiment);
        var breakdown = report.SentimentBreakdown!;
        Assert.Equal([("help", 1L, 1L, 0L), ("live", 1L, 0L, 2L)], Counts(breakdown.Channels));
        Assert.Equal([("cheer", 1L, 0L, 2L)], Counts(breakdown.Campaigns));
        Assert.Equal([("message_accepted", 2L, 1L, 2L), ("reply", 1L, 0L, 0L), ("survey_comment", 1L, 0L, 1L), ("thread_created", 0L, 1L, 0L)], Counts(breakdown.Sources));

        var (retail, finance) = (Industry("retail"), Industry("finance"));
        var annOnly = await kpis.Report(d1, d2, retail, owner);
        Assert.Equal(new KpiSentimentShares(5, 0, 2, 3, 0, 0.4, 0.6), annOnly.Totals.Sentiment);
        Assert.Equal([("live", 0L, 0L, 2L), ("help", 0L, 1L, 0L)], Counts(annOnly.SentimentBreakdown!.Channels).OrderByDescending(c => c.Item1, StringComparer.Ordinal));
        var bobOnly = await kpis.Report(d1, d2, finance, owner);
        Assert.Equal(new KpiSentimentShares(4, 4, 0, 0, 1, 0, 0), bobOnly.Totals.Sentiment);

        // Erasure renames Bob's KPI entries (as the erasure's KPI step does): his texts keep counting, in his segment
        // too, and no label stays tied to him or his pseudonym.
        var week = Grains.KpiWeek(new KpiWeekKey(community, KpiMath.Week(d1)));
        Assert.Equal([SentimentLabels.Negative], (await week.CollectMember(bob.UserId)).Surveys.Select(s => s.Sentiment));
        await week.Pseudonymise(bob.UserId, "erased-sentiment");
        Assert.Equal(KpiMemberTrace.Empty.Days, (await week.CollectMember(bob.UserId)).Days);
        var renamed = await week.CollectMember("erased-sentiment");
        Assert.Equal([null], renamed.Surveys.Select(s => s.Sentiment));
        Assert.NotEmpty(renamed.Days);
        Assert.All(renamed.Days, d => Assert.Null(d.Sentiment));
        var after = await kpis.Report(d1, d2, Segment.Everyone, owner);
        Assert.Equal(report.Days.Select(d => d.Sentiment), after.Days.Select(d => d.Sentiment));
        Assert.Equal(Counts(breakdown.Sources), Counts(after.SentimentBreakdown!.Sources));
        Assert.Equal(Counts(breakdown.Channels), Counts(after.SentimentBreakdown!.Channels));
        Assert.Equal(bobOnly.Totals.Sentiment, (await kpis.Report(d1, d2, finance, owner)).Totals.Sentiment);
    }

    private IChannelGrain Channel(string community, string channel) => Grains.GetGrain<IChannelGrain>(new ChannelKey(community, channel).ToString());

    private static Segment Industry(string value) => new(new Dictionary<string, string> { ["industry"] = value });

    private static IEnumerable<(string, long, long, long)> Counts(IEnumerable<KpiSentimentGroup> groups) =>
        groups.Select(g => (g.Key, g.Sentiment.Negative, g.Sentiment.Neutral, g.Sentiment.Positive));
}
