using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Events;
using CommunityScale.Insights;
using CommunityScale.Threads;
using CommunityScale.TestSupport;
using static CommunityScale.Grains.Tests.GrainAsserts;

namespace CommunityScale.Grains.Tests;

/// <summary>A scripted community over eight days of community time, with every KPI asserted exactly.</summary>
[Collection(ClockedCluster.Name)]
[Trait("Area", "Insights")]
public sealed class KpiTests(ClockedClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Client;

    [Fact]
    public async Task Every_kpi_of_a_scripted_community_is_exact_and_segments_filter_them()
    {
        // Community time jumps to a Monday 08:00 UTC at least a week ahead, so the script's days and weeks are known,
        // and stands still between the script's steps, so its durations are exact.
        using var frozen = fixture.Clock.Freeze();
        var monday = DateOnly.FromDateTime(fixture.Clock.AdvanceTo(DayOfWeek.Monday, new TimeOnly(8, 0), daysAhead: 8).UtcDateTime);
        var community = $"k-{Guid.NewGuid():n}"[..20];
        var (owner, ann, bob, carl) = (new Actor($"o-{community}", "Olga"), new Actor($"a-{community}", "Ann"), new Actor($"b-{community}", "Bob"), new Actor($"c-{community}", "Carl"));
        var kpis = Grains.GetGrain<ICommunityKpisGrain>(community);

        // Day 1: Olga founds it, Ann and Bob join; Ann posts twice, Bob once and reacts to Ann's first message.
        await Grains.GetGrain<ICommunityGrain>(community).Create("Fans", owner);
        await Grains.GetGrain<ICommunityGrain>(community).Join(ann);
        await Grains.GetGrain<ICommunityGrain>(community).Join(bob);
        await Grains.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, owner);
        await Grains.GetGrain<IProfileFieldsGrain>(community).Define([new ProfileField("industry", "Industry", ["retail", "finance"])], owner);
        await Grains.GetGrain<IProfileFieldsGrain>(community).SetMemberProfile(new Dictionary<string, IReadOnlyList<string>> { ["industry"] = ["retail"] }, ann);
        await Grains.GetGrain<IProfileFieldsGrain>(community).SetMemberProfile(new Dictionary<string, IReadOnlyList<string>> { ["industry"] = ["finance"] }, bob);
        var live = Grains.GetGrain<IChannelGrain>(new ChannelKey(community, "live").ToString());
        var first = await live.Send(new SendMessageCommand(ann.UserId, ann.DisplayName, "Hello all", "m1"));
        await live.Send(new SendMessageCommand(ann.UserId, ann.DisplayName, "Match tonight?", "m2"));
        await live.Send(new SendMessageCommand(bob.UserId, bob.DisplayName, "Yes!", "m3"));
        await live.React(first.Seq, "+1", true, bob);

        // Day 2: Carl joins; Ann asks a question, Bob replies 30 minutes later, Ann accepts it after an hour.
        // A community day that morning: Ann rates it 5 (NPS 10), Bob 3 (NPS 6).
        fixture.Clock.Advance(TimeSpan.FromDays(1));
        await Grains.GetGrain<ICommunityGrain>(community).Join(carl);
        var dayStart = fixture.Clock.GetUtcNow();
        var day = Grains.GetGrain<IEventGrain>($"{community}/day");
        await day.Create(new NewEvent("day", "Community day", null, dayStart, dayStart.AddHours(4), 10, null, ReminderMinutes: 0), owner);
        await day.Rsvp(ann);
        await day.Rsvp(bob);
        var question = await Grains.GetGrain<IThreadDirectoryGrain>(community).CreateThread(new NewThread(null, ThreadKind.Question, "Tickets?", "Where do I get tickets?", null), ann);
        var thread = Grains.GetGrain<IThreadGrain>(new ThreadKey(community, question.ThreadId).ToString());
        fixture.Clock.Advance(TimeSpan.FromMinutes(30));
        var reply = await thread.Reply(new NewReply("At the box office.", 1, "r1"), bob);
        fixture.Clock.Advance(TimeSpan.FromMinutes(30));
        await thread.Accept(reply.Post!.PostId, ann);
        await Grains.GetGrain<ISurveyGrain>($"{community}/day").Answer(new SurveyAnswer(5, 10, null), ann);
        await Grains.GetGrain<ISurveyGrain>($"{community}/day").Answer(new SurveyAnswer(3, 6, "ok"), bob);

        // Day 8 (the next Monday): Ann posts once more.
        fixture.Clock.Advance(TimeSpan.FromDays(6));
        await live.Send(new SendMessageCommand(ann.UserId, ann.DisplayName, "A week on", "m4"));

        var (d1, d8) = (monday, monday.AddDays(7));
        KpiReport report = null!;
        await Responses.Eventually(async () => (report = await kpis.Report(d1, d8, Segment.Everyone, owner)).Totals.Posts == 6
            && report.Totals.Reactions == 1 && report.Totals.AcceptedAnswers == 1 && report.Totals.SurveyAnswers == 2 && report.Totals.Joined == 4
            && report.Days[^1].ActiveMembers == 1, "every activity of the script to reach the KPI buckets");

        Assert.Equal(new KpiDayRow(community, d1, 2, 3, 1, 0, 0.333, 3), report.Days[0] with { Sentiment = null });
        Assert.Equal(new KpiDayRow(community, d1.AddDays(1), 2, 2, 0, 1, 0.5, 1), report.Days[1] with { Sentiment = null });
        Assert.All(report.Days.Skip(2).Take(5), d => Assert.Equal((0L, 0L), (d.ActiveMembers, d.Posts)));
        Assert.Equal(new KpiDayRow(community, d8, 1, 1, 0, 0, 0, 0), report.Days[7] with { Sentiment = null });
        // Sentiment has its own script (SentimentKpiTests); here every post and the comment is scored, whatever its class.
        Assert.Equal(new KpiTotals(2, 6, 4, 1, 1, 1, 0.333, 1, 30, 1, 60, 2, 4, 50, 0, 4), report.Totals with { Sentiment = null });
        Assert.Equal(7, report.Totals.Sentiment!.Scored);
        Assert.Equal([(2L, 5L), (1L, 1L)], report.Weeks.Select(w => (w.ActiveMembers, w.Posts)));
        Assert.Equal(6, report.Months.Sum(m => m.Posts));
        var cohort = Assert.Single(report.Cohorts);
        Assert.Equal(4, cohort.Size);
        Assert.Equal([(2L, 0.5), (1L, 0.25)], cohort.Weeks.Select(w => (w.Active, w.Share)));

        var retail = await kpis.Report(d1, d8, new Segment(new Dictionary<string, string> { ["industry"] = "retail" }), owner);
        Assert.Equal((1L, 4L, 1L, 0L), (retail.Totals.ActiveMembers, retail.Totals.Posts, retail.Totals.Reactions, retail.Totals.Replies));
        Assert.Equal((1L, 1L, 1L), (retail.Totals.FirstReplies, retail.Totals.AcceptedAnswers, retail.Totals.SurveyAnswers));
        Assert.Equal(100, retail.Totals.Csat);
        Assert.Empty(retail.Cohorts);

        await AssertRefused(ErrorCodes.Invalid, () => kpis.Report(d8, d1, Segment.Everyone, owner));
        await AssertRefused(ErrorCodes.Invalid, () => kpis.Report(d1.AddDays(-800), d1, Segment.Everyone, owner));
        await AssertRefused(ErrorCodes.Invalid, () => kpis.Report(d1, d8, new Segment(new Dictionary<string, string> { ["shoe-size"] = "42" }), owner));
        await AssertRefused(ErrorCodes.Forbidden, () => kpis.Report(d1, d8, Segment.Everyone, bob));
    }
}
