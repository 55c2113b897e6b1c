using System.Net;
using CommunityScale.Insights;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Insights")]
public sealed class InsightsApiTests(SystemFixture fixture)
{
    [Fact]
    public async Task A_manager_watches_kpis_move_live_and_exports_them_as_json_and_csv_while_members_are_refused()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, channel) = await SystemFixture.NewChannel(owner, ann);
        var updates = new List<KpiDayRow>();
        owner.Hub.On<KpiDayRow>("KpiUpdated", row => { lock (updates) { updates.Add(row); } });
        await owner.Hub.InvokeAsync("WatchKpis", community);
        Assert.Equal("forbidden", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() => ann.Hub.InvokeAsync("WatchKpis", community))));

        await ann.Send(community, channel, "Hallo zusammen");
        await ann.Send(community, channel, "Wer kommt heute?");
        await Responses.Eventually(() =>
        {
            lock (updates)
            {
                return Task.FromResult(updates.Exists(u => u.CommunityId == community && u.Posts == 2 && u.ActiveMembers == 1 && u.Sentiment?.Neutral == 2));
            }
        }, "a live KpiUpdated with both messages, scored neutral",
            // The points grain's window (Points:WriteDelay, 5 s), the silo's gathering (Points:BoardDelay, 1 s) and the
            // bucket's once-a-second publish: about 7 s at worst, on a 2-core machine busy with the rest of the suite.
            TimeSpan.FromSeconds(30));

        // The day the messages were counted on (from the live row, so a run across midnight UTC reads the right one).
        string today;
        lock (updates)
        {
            today = updates.Last(u => u.CommunityId == community && u.Posts == 2).Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        }

        var kpis = $"/api/communities/{community}/kpis?from={today}&to={today}";
        var report = await owner.GetAsync<KpiReport>(kpis);
        Assert.Equal((1L, 2L, 2L), (report.Totals.ActiveMembers, report.Totals.Posts, report.Totals.Joined));
        Assert.Equal(new KpiSentimentShares(2, 0, 2, 0, 0, 1, 0), report.Totals.Sentiment);
        Assert.Equal([(channel, 2L)], report.SentimentBreakdown!.Channels.Select(c => (c.Key, c.Sentiment.Neutral)));
        var csv = await owner.Http.GetStringAsync($"/api/communities/{community}/kpis.csv?from={today}&to={today}");
        Assert.Equal(
            ["day,active_members,posts,replies,reactions,engagement_per_post,joined,sentiment_scored,sentiment_negative,sentiment_neutral,sentiment_positive,negative_share,neutral_share,positive_share",
                $"{today},1,2,0,0,0,2,2,0,2,0,0,1,0"],
            csv.TrimEnd('\n').Split('\n'));

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.GetAsync(kpis)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.GetAsync($"/api/communities/{community}/kpis?from={today}&to=2020-01-01")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.GetAsync($"/api/communities/{community}/kpis?from=2020-01-01&to={today}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.GetAsync($"/api/communities/{community}/kpis?from=yesterday&to={today}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.GetAsync($"{kpis}&segment=nonsense")).StatusCode);
    }
}
