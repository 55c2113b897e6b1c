using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Moderation;
using CommunityScale.Notifications;

namespace CommunityScale.Grains.Tests.Moderation;

/// <summary>
/// A moderation decision's audit entry and notice are follow-ups in the review queue's outbox: stored in the same write
/// as the decision, delivered in order, retried while their receiver fails, and arriving exactly once after it heals.
/// </summary>
[Collection(FlakyStorageCluster.Name)]
[Trait("Area", "Moderation")]
public sealed class DurableFollowUpTests(FlakyStorageClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "Owner");
    private static readonly Actor Ann = new("ann", "Ann");

    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task A_rejection_is_stored_with_its_audit_entry_and_notice_which_arrive_once_after_the_audit_log_fails_at_first()
    {
        var community = $"d-{Guid.NewGuid():n}";
        await Client.GetGrain<ICommunityGrain>(community).Create("Durable", Owner);
        await Client.GetGrain<ICommunityGrain>(community).Join(Ann);
        await Client.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, Owner);
        var queue = Client.GetGrain<IModerationQueueGrain>(community);
        var held = await queue.Hold("live", Ann.UserId, Ann.DisplayName, "buy cheap stuff", Guid.NewGuid().ToString("n"), "blocked term");
        var reason = $"off-topic {Guid.NewGuid():n}";

        // The community's audit log cannot store anything: every delivery of the rejection's entry fails for now.
        fixture.Storage.FailWrites = (stateName, grainId) => stateName == "audit" && grainId.ToString().Contains(community, StringComparison.Ordinal);
        try
        {
            var outcome = await queue.Reject(held.Id, reason, Owner);
            Assert.Equal("rejected", outcome.Resolution);

            // Answered although the log refused the entry: the decision and both follow-ups are stored in the queue's
            // record, and the notice waits behind the entry (they go out in order).
            Assert.Contains(fixture.Storage.Find(reason), r => r.StartsWith("moderation-queue@", StringComparison.Ordinal));
            Assert.DoesNotContain(await Notices(community), n => n.SourceId == $"held:{held.Id}");
            Assert.DoesNotContain((await queue.List(Owner)).Select(i => i.Id), id => id == held.Id);
        }
        finally
        {
            fixture.Storage.FailWrites = null;
        }

        // The outbox's retry (a second, doubling) delivers both once the log stores again.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(await Rejections(community, reason)).Any() || !(await Notices(community)).Any(n => n.SourceId == $"held:{held.Id}"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the rejection's audit entry and notice never arrived");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        // Exactly once, although the entry was handed over (and refused) more than once.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(await Rejections(community, reason));
        Assert.Single(await Notices(community), n => n.SourceId == $"held:{held.Id}");
        Assert.DoesNotContain(fixture.Storage.Find(reason), r => r.StartsWith("moderation-queue@", StringComparison.Ordinal));
    }

    private async Task<IReadOnlyList<AuditEntry>> Rejections(string community, string reason) =>
        [.. (await Client.GetGrain<IAuditLogGrain>(community).Read(null, 50, Owner)).Entries.Where(e => e.Action == "reject" && e.Reason == reason)];

    private async Task<IReadOnlyList<Notification>> Notices(string community) =>
        await Client.GetGrain<INotificationInboxGrain>(Ann.UserId).ListCommunity(community);
}
