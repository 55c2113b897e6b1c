using CommunityScale.Campaigns;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;
using CommunityScale.Notifications;
using CommunityScale.TestSupport;
using static CommunityScale.Grains.Tests.GrainAsserts;

namespace CommunityScale.Grains.Tests;

/// <summary>A campaign's life as community time moves: scheduled, started by its reminder (segment told), running, ended.</summary>
[Collection(ClockedCluster.Name)]
[Trait("Area", "Events")]
public sealed class CampaignTests(ClockedClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "Owner");

    private IGrainFactory Grains => fixture.Client;

    [Fact]
    public async Task Multipliers_apply_only_inside_the_window_the_scope_and_the_segment_and_feed_the_campaign_board_and_figures()
    {
        var community = $"cp-{Guid.NewGuid():n}";
        var (ann, bob) = (new Actor($"ann-{community}", "Ann"), new Actor($"bob-{community}", "Bob"));
        await Grains.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        await Grains.GetGrain<ICommunityGrain>(community).Join(ann);
        await Grains.GetGrain<ICommunityGrain>(community).Join(bob);
        foreach (var channel in new[] { "launch", "general" })
        {
            await Grains.GetGrain<ICommunityGrain>(community).CreateChannel(channel, channel, null, Owner);
        }

        var fields = Grains.GetGrain<IProfileFieldsGrain>(community);
        await fields.Define([new ProfileField("industry", "Industry", ["retail", "finance"]), new ProfileField("interests", "Interests", ["football", "esports"], Multiple: true)], Owner);
        await fields.SetMemberProfile(new Dictionary<string, IReadOnlyList<string>> { ["industry"] = ["retail"], ["interests"] = ["football", "esports"] }, ann);
        await fields.SetMemberProfile(new Dictionary<string, IReadOnlyList<string>> { ["industry"] = ["finance"] }, bob);
        await Grains.GetGrain<IPointsRulesGrain>(community).Update(
            new PointsRulesUpdate(new Dictionary<string, ActionRule> { [ActionKinds.MessageAccepted] = new(10, 100, 1_000) }, null), Owner);

        var now = fixture.Clock.GetUtcNow();
        var kickoff = new NewCampaign("kickoff", "Season kick-off", "Talk launch, earn more", now.AddHours(1), now.AddDays(1), 1.5,
            new CampaignScope(ChannelIds: ["launch"]), new Segment(new Dictionary<string, string> { ["industry"] = "retail" }),
            [ActionKinds.MessageAccepted], [new NewCampaignChallenge("three", "Three launch posts", ActionKinds.MessageAccepted, 3, 50)]);
        var campaign = Grains.GetGrain<ICampaignGrain>($"{community}/kickoff");
        await AssertRefused(ErrorCodes.Forbidden, () => campaign.Create(kickoff, bob));
        await AssertRefused(ErrorCodes.Invalid, () => campaign.Create(kickoff with { Multiplier = 11 }, Owner));
        await AssertRefused(ErrorCodes.Invalid, () => campaign.Create(kickoff with { EndsAt = kickoff.StartsAt }, Owner));
        await AssertRefused(ErrorCodes.Invalid, () => campaign.Create(kickoff with { Segment = new Segment(new Dictionary<string, string> { ["industry"] = "mining" }) }, Owner));
        await AssertRefused(ErrorCodes.Invalid, () => campaign.Create(kickoff with { Scope = new CampaignScope(EventIds: ["no-such-event"]) }, Owner));
        await AssertRefused(ErrorCodes.Invalid, () => campaign.Create(kickoff with { Challenges = [new NewCampaignChallenge("zero", "Zero", ActionKinds.MessageAccepted, 0, 5)] }, Owner));
        Assert.Empty(await Grains.GetGrain<ICampaignDirectoryGrain>(community).List());
        Assert.Equal("scheduled", (await campaign.Create(kickoff, Owner)).Status);
        await AssertRefused(ErrorCodes.AlreadyExists, () => campaign.Create(kickoff, Owner));

        // Before the window: the base 10 points.
        var annPoints = Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, ann.UserId));
        await Send(community, "launch", ann, "warming up");
        await Responses.Eventually(async () => (await annPoints.GetProfile()).Points == 10, "the base award before the campaign");

        // The start reminder fires once community time reaches it: the segment (Ann) is told, Bob is not.
        fixture.Clock.Advance(TimeSpan.FromMinutes(61));
        await Responses.Eventually(async () => (await Started(ann)).Count == 1, "the campaign's start notice");
        Assert.Equal("running", (await campaign.Get()).Status);

        // Inside: Ann's launch posts earn 15 (and complete the challenge, +50); her general post and Bob's launch post earn 10.
        foreach (var text in new[] { "kick-off one", "kick-off two", "kick-off three" })
        {
            await Send(community, "launch", ann, text);
        }

        await Send(community, "general", ann, "elsewhere");
        await Send(community, "launch", bob, "not my segment");
        await Responses.Eventually(async () => (await annPoints.GetProfile()).Points == 10 + 45 + 50 + 10, "Ann's boosted points");
        await Responses.Eventually(async () => (await campaign.Get()).Figures == new CampaignFigures(1, 3, 45), "the campaign figures");
        Assert.Equal(10, (await Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, bob.UserId)).GetProfile()).Points);
        var board = Grains.GetGrain<ILeaderboardGrain>($"{community}/{Leaderboards.ForCampaign("kickoff")}");
        await Responses.Eventually(async () => (await board.Page(0, 10)).Entries.Select(e => (e.UserId, e.Points)).SequenceEqual([(ann.UserId, 45L)]), "the campaign board");
        Assert.Empty(await Started(bob));

        // After the window: back to 10, and the campaign is over.
        fixture.Clock.Advance(TimeSpan.FromDays(1));
        await Send(community, "launch", ann, "after the party");
        await Responses.Eventually(async () => (await annPoints.GetProfile()).Points == 125, "the base award after the campaign");
        var ended = await campaign.Get();
        Assert.Equal("ended", ended.Status);
        Assert.Equal(new CampaignFigures(1, 3, 45), ended.Figures);
        Assert.Single(await Started(ann));
    }

    [Fact]
    public async Task A_campaign_whose_whole_window_passed_unseen_announces_nothing_late()
    {
        var community = $"cp-{Guid.NewGuid():n}";
        var ann = new Actor($"ann-{community}", "Ann");
        await Grains.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        await Grains.GetGrain<ICommunityGrain>(community).Join(ann);
        var now = fixture.Clock.GetUtcNow();
        var campaign = Grains.GetGrain<ICampaignGrain>($"{community}/flash");
        await campaign.Create(new NewCampaign("flash", "Flash sale", null, now.AddHours(1), now.AddHours(2), 2), Owner);

        // Community time leaps past the whole window between two ticks (as if its silo had been down meanwhile).
        fixture.Clock.Advance(TimeSpan.FromHours(3));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("ended", (await campaign.Get()).Status);
        Assert.Empty(await Started(ann));
    }

    private async Task Send(string community, string channel, Actor who, string text) =>
        Assert.False((await Grains.GetGrain<IChannelGrain>(new ChannelKey(community, channel).ToString())
            .Send(new SendMessageCommand(who.UserId, who.DisplayName, text, Guid.NewGuid().ToString("n")))).Held);

    private Task<IReadOnlyList<Notification>> Started(Actor who) => Grains.Notices(who, NotificationKinds.CampaignStarted);
}
