using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Gamification;
using CommunityScale.Notifications;
using CommunityScale.TestSupport;

namespace CommunityScale.Grains.Tests.Gamification;

[Collection(ClockedCluster.Name)]
[Trait("Area", "Gamification")]
public sealed class WeeklyRolloverTests(ClockedClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Client;

    [Fact]
    public async Task At_monday_midnight_utc_a_reminder_closes_the_week_keeps_its_top_three_tells_them_and_the_new_week_starts_empty()
    {
        // Community time goes to a Sunday 23:00 UTC at least a day ahead and stands still between the steps.
        using var frozen = fixture.Clock.Freeze();
        fixture.Clock.AdvanceTo(DayOfWeek.Sunday, new TimeOnly(23, 0), daysAhead: 1);
        var week = Leaderboards.IsoWeek(fixture.Clock.GetUtcNow());
        var community = $"w-{Guid.NewGuid():n}"[..20];
        var (owner, ann, bob, carl) = (new Actor($"o-{community}", "Olga"), new Actor($"a-{community}", "Ann"), new Actor($"b-{community}", "Bob"), new Actor($"c-{community}", "Carl"));
        await Grains.GetGrain<ICommunityGrain>(community).Create("Weekly", owner);
        await Grains.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, owner);
        var live = Grains.GetGrain<IChannelGrain>(new ChannelKey(community, "live").ToString());
        foreach (var (member, messages) in new[] { (ann, 3), (bob, 2), (carl, 1) })
        {
            await Grains.GetGrain<ICommunityGrain>(community).Join(member);
            for (var i = 0; i < messages; i++)
            {
                await live.Send(new SendMessageCommand(member.UserId, member.DisplayName, $"{member.DisplayName} says {i}", $"{member.UserId}-{i}"));
            }
        }

        var thisWeek = Grains.GetGrain<ILeaderboardGrain>($"{community}/{week}");
        await Responses.Eventually(async () => (await thisWeek.Page(0, 10)).Members == 3, "three members on this week's board");
        var weekly = Grains.GetGrain<IWeeklyBoardsGrain>(community);
        Assert.Empty(await weekly.Past());

        fixture.Clock.Advance(TimeSpan.FromHours(2));
        await Responses.Eventually(async () => (await weekly.Past()).Count == 1, "the week to be closed", TimeSpan.FromSeconds(30));
        var closed = Assert.Single(await weekly.Past());
        Assert.Equal(week, closed.Week);
        Assert.Equal(3, closed.Members);
        Assert.Equal([(1L, ann.UserId, 3L), (2L, bob.UserId, 2L), (3L, carl.UserId, 1L)], closed.Top.Select(e => (e.Rank, e.UserId, e.Points)));
        Assert.Contains("#1 of 3", Assert.Single(await Grains.Notices(ann, NotificationKinds.WeeklyRank)).Text, StringComparison.Ordinal);
        Assert.Contains("#3 of 3", Assert.Single(await Grains.Notices(carl, NotificationKinds.WeeklyRank)).Text, StringComparison.Ordinal);
        Assert.Empty(await Grains.Notices(owner, NotificationKinds.WeeklyRank));
        var nextWeek = Leaderboards.IsoWeek(fixture.Clock.GetUtcNow());
        Assert.NotEqual(week, nextWeek);
        Assert.Equal(0, (await Grains.GetGrain<ILeaderboardGrain>($"{community}/{nextWeek}").Page(0, 10)).Members);

        // Later ticks in the same week close nothing again and tell nobody twice.
        fixture.Clock.Advance(TimeSpan.FromDays(1));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(await weekly.Past());
        Assert.Single(await Grains.Notices(ann, NotificationKinds.WeeklyRank));
    }
}
