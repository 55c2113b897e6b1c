using CommunityScale.Communities;
using CommunityScale.FollowUps;
using CommunityScale.Gamification;
using CommunityScale.Notifications;
using CommunityScale.Streams;
using CommunityScale.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace CommunityScale.Grains.Tests.Gamification;

/// <summary>
/// An award's notices are follow-ups in the points grain's outbox: stored in the award's own write, delivered after it,
/// and received once however often the award or its delivery is repeated.
/// </summary>
[Collection(SharedCluster.Name)]
[Trait("Area", "Gamification")]
public sealed class PointsFollowUpTests(ClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "Owner");
    private static readonly Actor Ann = new("ann", "Ann");

    private IGrainFactory Grains => fixture.Client;

    private IGrainStorage Storage => fixture.Cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(StorageNames.Main);

    /// <summary>A community whose first point is level 1, and Ann's points grain there.</summary>
    private async Task<(string Community, IMemberPointsGrain Points)> NewCommunity()
    {
        var community = $"fu-{Guid.NewGuid():n}";
        await Grains.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        await Grains.GetGrain<ICommunityGrain>(community).Join(Ann);
        await Grains.GetGrain<IPointsRulesGrain>(community).Update(new PointsRulesUpdate(null, [1, 1_000]), Owner);
        return (community, Grains.MemberPoints(community, Ann.UserId));
    }

    private static ActivityEvent Message(string community, string source) =>
        new(source, community, Ann.UserId, Ann.DisplayName, ActionKinds.MessageAccepted, DateTimeOffset.UtcNow, "live");

    private async Task<IReadOnlyList<Notification>> Notices(string community, string kind) =>
        [.. (await Grains.Notices(Ann, kind)).Where(n => n.CommunityId == community)];

    private async Task<GrainState<MemberPointsState>> Stored(IMemberPointsGrain points)
    {
        var stored = new GrainState<MemberPointsState>(new MemberPointsState());
        await Storage.ReadStateAsync("points", points.GetGrainId(), stored);
        return stored;
    }

    [Fact]
    public async Task The_badge_and_level_notices_stored_with_an_award_arrive_once_when_the_award_is_recorded_twice()
    {
        var (community, points) = await NewCommunity();
        ActivityEvent[] first = [Message(community, "m1")];

        // The same award twice at once (a channel's round handed over again), then once more later.
        await Task.WhenAll(points.Record(first), points.Record(first));
        await points.Record(first);

        Assert.Equal(1, (await points.GetProfile()).Points);
        Assert.Single(await Notices(community, NotificationKinds.BadgeEarned));
        Assert.Contains("level 1", Assert.Single(await Notices(community, NotificationKinds.LevelUp)).Text, StringComparison.Ordinal);
        // They went through the outbox: one follow-up for the batch's notices (badge and level, one inbox write), numbered in
        // the award's write, and none is left owed.
        await Responses.Eventually(async () => (await Stored(points)).State!.Outbox.Pending.Count == 0, "the delivered marks to be stored");
        Assert.Equal(1, (await Stored(points)).State!.Outbox.LastNumber);
    }

    [Fact]
    public async Task Follow_ups_a_lost_activation_still_owed_are_delivered_by_the_next_one_and_a_repeated_delivery_changes_nothing()
    {
        var (community, points) = await NewCommunity();
        await points.Record([Message(community, "m1")]);
        var badge = Assert.Single(await Notices(community, NotificationKinds.BadgeEarned));
        await Responses.Eventually(async () => (await Stored(points)).State!.Outbox.Pending.Count == 0, "the delivered marks to be stored");

        // The silo died after an award's write (a challenge's notice still owed) and before the removal of a delivered
        // one (the badge's) was stored: storage holds both as owed, and no activation is left.
        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var stored = await Stored(points);
        var owner = points.GetGrainId().ToString();
        var last = stored.State!.Outbox.LastNumber;
        var challenge = new NotificationDraft(community, NotificationKinds.ChallengeCompleted, "Challenge complete: Talk (+5 points).", $"challenge:{community}:talk");
        stored.State!.Outbox.Pending =
        [
            new SendNotices([Ann.UserId], new NotificationDraft(community, badge.Kind, badge.Text, badge.SourceId)) { Id = $"{owner}#1", Number = 1 },
            new SendNotices([Ann.UserId], challenge) { Id = $"{owner}#{last + 1}", Number = last + 1 },
        ];
        stored.State!.Outbox.LastNumber = last + 1;
        await Storage.WriteStateAsync("points", points.GetGrainId(), stored);

        // Any call activates the grain again; its outbox delivers what storage says is owed, in order.
        Assert.Equal(1, (await points.GetProfile()).Points);
        await Responses.Eventually(async () => (await Notices(community, NotificationKinds.ChallengeCompleted)).Count == 1, "the owed challenge notice");
        await Responses.Eventually(async () => (await Stored(points)).State!.Outbox.Pending.Count == 0, "the delivered marks to be stored");
        Assert.Single(await Notices(community, NotificationKinds.BadgeEarned));
        Assert.Single(await Notices(community, NotificationKinds.ChallengeCompleted));

        // New follow-ups are numbered after the ones storage held, so their ids never repeat an earlier one's.
        await points.Record([.. Enumerable.Range(2, 9).Select(i => Message(community, $"m{i}"))]);
        Assert.Equal(2, (await Notices(community, NotificationKinds.BadgeEarned)).Count);
        Assert.Equal(last + 2, (await Stored(points)).State!.Outbox.LastNumber);
    }
}
