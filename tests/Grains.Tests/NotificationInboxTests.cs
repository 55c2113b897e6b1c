using CommunityScale.Notifications;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace CommunityScale.Grains.Tests;

/// <summary>A full inbox: what a member reads and what each new notice costs to store.</summary>
[Collection(SharedCluster.Name)]
[Trait("Area", "Notifications")]
public sealed class NotificationInboxTests(ClusterFixture fixture)
{
    private IGrainStorage Storage => fixture.Cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(StorageNames.Main);

    private async Task<(List<Notification> Newest, List<Notification> Archived)> Stored(INotificationInboxGrain inbox)
    {
        var newest = new GrainState<NotificationInboxState>(new NotificationInboxState());
        var archived = new GrainState<NotificationArchiveState>(new NotificationArchiveState());
        await Storage.ReadStateAsync("inbox", inbox.GetGrainId(), newest);
        await Storage.ReadStateAsync("inbox-archive", Archive(inbox), archived);
        return (newest.State!.Items, archived.State!.Items);
    }

    private GrainId Archive(INotificationInboxGrain inbox) => fixture.Client.GetGrain<INotificationArchiveGrain>(inbox.GetPrimaryKeyString()).GetGrainId();

    private static NotificationDraft Draft(string community, int i) => new(community, NotificationKinds.Mention, $"Mentioned #{i}", $"mention:{i}");

    [Fact]
    public async Task A_full_inbox_keeps_the_newest_200_in_order_and_a_new_notice_rewrites_only_the_newest_few()
    {
        var inbox = fixture.Client.GetGrain<INotificationInboxGrain>($"u-{Guid.NewGuid():n}");
        for (var i = 1; i <= 240; i++)
        {
            // Some alone, some several at once, as a batch of awards posts them.
            if (i % 3 == 0)
            {
                Assert.Equal(2, (await inbox.PostAll([Draft("c1", i), Draft("c2", i)])).Count);
            }
            else
            {
                Assert.NotNull(await inbox.Post(Draft("c1", i)));
            }
        }

        // Pages, newest first, through both records, the oldest gone beyond 200.
        var seen = new List<Notification>();
        long? before = null;
        do
        {
            var page = await inbox.List(before, 50);
            seen.AddRange(page.Items);
            before = page.NextBefore;
        }
        while (before is not null);
        Assert.Equal(NotificationInboxGrain.Capacity, seen.Count);
        Assert.Equal(seen.OrderByDescending(n => n.Id).Select(n => n.Id), seen.Select(n => n.Id));
        Assert.Equal((await inbox.List(null, 1)).Items[0].Id, seen[0].Id);
        Assert.Equal(seen.Count, seen.DistinctBy(n => n.Id).Count());

        // Stored: the newest few in the record every notice rewrites, the rest in the archive, none in both.
        var (newest, archived) = await Stored(inbox);
        Assert.InRange(newest.Count, 1, NotificationInboxGrain.RecentCapacity);
        Assert.InRange(newest.Count + archived.Count, NotificationInboxGrain.Capacity, NotificationInboxGrain.Capacity + (NotificationInboxGrain.RecentCapacity / 2));
        Assert.True(archived[^1].Id < newest[0].Id);

        // A notice already kept (its source, in either record) is found, not added again.
        var oldest = seen[^1];
        Assert.Equal(oldest.Id, (await inbox.Post(new NotificationDraft(oldest.CommunityId, oldest.Kind, oldest.Text, oldest.SourceId)))?.Id);
        Assert.Equal(NotificationInboxGrain.Capacity, (await inbox.List(null, 500)).Items.Count);
        Assert.Equal(0, await inbox.MarkRead(seen[0].Id));
    }

    [Fact]
    public async Task Forgetting_a_community_reaches_both_records_and_an_emptied_inbox_leaves_no_record()
    {
        var inbox = fixture.Client.GetGrain<INotificationInboxGrain>($"u-{Guid.NewGuid():n}");
        for (var i = 1; i <= 100; i++)
        {
            await inbox.Post(Draft(i % 2 == 0 ? "keep" : "gone", i));
        }

        await inbox.Forget("gone", null);
        Assert.All((await inbox.List(null, 500)).Items, n => Assert.Equal("keep", n.CommunityId));
        Assert.Equal(50, (await inbox.ListCommunity("keep")).Count);
        var (newest, archived) = await Stored(inbox);
        Assert.DoesNotContain(newest.Concat(archived), n => n.CommunityId == "gone");

        await inbox.Forget("keep", null);
        Assert.Empty((await inbox.List(null, 500)).Items);
        var cleared = new GrainState<NotificationInboxState>(new NotificationInboxState());
        await Storage.ReadStateAsync("inbox", inbox.GetGrainId(), cleared);
        var clearedArchive = new GrainState<NotificationArchiveState>(new NotificationArchiveState());
        await Storage.ReadStateAsync("inbox-archive", Archive(inbox), clearedArchive);
        Assert.False(cleared.RecordExists || clearedArchive.RecordExists);
    }
}
