using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Posting;

namespace CommunityScale.Grains.Tests.Moderation;

/// <summary>Reports, the strike ladder, appeals, restore and trust, through the grains as the gateway calls them.</summary>
[Collection(SharedCluster.Name)]
[Trait("Area", "Moderation")]
public sealed class HumanModerationTests(ClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "Owner");
    private static readonly Actor Ann = new("ann", "Ann");
    private static readonly Actor Bob = new("bob", "Bob");
    private static readonly Actor Cid = new("cid", "Cid");
    private static readonly Actor Dee = new("dee", "Dee");

    private IGrainFactory Grains => fixture.Client;

    private async Task<(string Community, IChannelGrain Channel)> NewCommunity(ModerationPolicyUpdate? policy = null)
    {
        var community = $"hm-{Guid.NewGuid():n}";
        var grain = Grains.GetGrain<ICommunityGrain>(community);
        await grain.Create("Fans", Owner);
        foreach (var member in new[] { Ann, Bob, Cid, Dee })
        {
            await grain.Join(member);
        }

        await grain.CreateChannel("live", "Live", null, Owner);
        if (policy is not null)
        {
            await Grains.GetGrain<IModerationPolicyGrain>(community).Update(policy, Owner);
        }

        return (community, Grains.GetGrain<IChannelGrain>(new ChannelKey(community, "live").ToString()));
    }

    private static ModerationPolicyUpdate Policy(int? reportsToHide = null, IReadOnlyList<StrikeStep>? ladder = null, IReadOnlyList<TrustThreshold>? trust = null) =>
        new(null, null, null, null, null, null, null, ReportsToHide: reportsToHide, StrikeLadder: ladder, TrustLevels: trust);

    private static Task<SendAck> Say(IChannelGrain channel, Actor who, string text) =>
        channel.Send(new SendMessageCommand(who.UserId, who.DisplayName, text, Guid.NewGuid().ToString("n")));

    private async Task<IReadOnlyList<Notification>> Inbox(Actor who) => (await Grains.GetGrain<INotificationInboxGrain>(who.UserId).List(null, 200)).Items;

    [Fact]
    public async Task Reports_from_enough_members_hide_a_message_until_a_moderator_keeps_or_removes_it()
    {
        var (community, channel) = await NewCommunity(Policy(reportsToHide: 2));
        var queue = Grains.GetGrain<IModerationQueueGrain>(community);
        await Say(channel, Bob, "hello");
        var rude = await Say(channel, Ann, "you all are idiots");

        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() => queue.Report("live", rude.Seq, "me", Ann))).Code);
        Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<CommunityException>(() => queue.Report("live", 99, "?", Bob))).Code);
        Assert.Equal(ErrorCodes.NotMember, (await Assert.ThrowsAsync<CommunityException>(() => queue.Report("live", rude.Seq, "?", new Actor("stranger", "S")))).Code);

        var first = await queue.Report("live", rude.Seq, "insult", Bob);
        Assert.Equal(first, await queue.Report("live", rude.Seq, "insult again", Bob));
        Assert.Equal((1, false, ReviewKind.Report), (first.Reports, first.Hidden, first.Kind));
        Assert.False((await channel.GetHistory(0, 10)).Messages[1].Removed);

        var second = await queue.Report("live", rude.Seq, "rude", Cid);
        Assert.Equal((2, true), (second.Reports, second.Hidden));
        var hidden = (await channel.GetHistory(0, 10)).Messages[1];
        Assert.True(hidden.Removed);
        Assert.Equal("", hidden.Text);
        Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() => queue.Approve(second.Id, Bob))).Code);

        var kept = await queue.Approve(second.Id, Owner);
        Assert.Equal("kept", kept.Resolution);
        Assert.Equal("you all are idiots", (await channel.GetHistory(0, 10)).Messages[1].Text);
        Assert.Empty(await queue.List(Owner));

        // Reported again, a moderator upholds it this time: removed, and stays so.
        var again = await queue.Report("live", rude.Seq, "still rude", Dee);
        Assert.Equal("removed", (await queue.Reject(again.Id, "insult", Owner)).Resolution);
        Assert.True((await channel.GetHistory(0, 10)).Messages[1].Removed);
        var audit = await Grains.GetGrain<IAuditLogGrain>(community).Read(null, 10, Owner);
        Assert.Equal(["remove_message", "dismiss_reports", "hide"], audit.Entries.Take(3).Select(e => e.Action));
        Assert.Equal("auto-moderation", audit.Entries[2].Actor);

        // The original is kept for a while: a moderator can still restore it.
        var restored = await queue.Restore("live", rude.Seq, Owner);
        Assert.Equal("you all are idiots", restored.Text);
        Assert.False((await channel.GetHistory(0, 10)).Messages[1].Removed);
    }

    [Fact]
    public async Task Reporters_whose_reports_are_upheld_weigh_more_in_the_queue_than_those_whose_reports_are_dismissed()
    {
        var (community, channel) = await NewCommunity(Policy(reportsToHide: 10));
        var queue = Grains.GetGrain<IModerationQueueGrain>(community);
        for (var round = 0; round < 3; round++)
        {
            var bad = await Say(channel, Ann, $"bad {round}");
            var fine = await Say(channel, Dee, $"fine {round}");
            await queue.Reject((await queue.Report("live", bad.Seq, "", Bob)).Id, "", Owner);
            await queue.Approve((await queue.Report("live", fine.Seq, "", Cid)).Id, Owner);
        }

        var byCid = await queue.Report("live", (await Say(channel, Dee, "reported by the unreliable one")).Seq, "", Cid);
        var byBob = await queue.Report("live", (await Say(channel, Ann, "reported by the reliable one")).Seq, "", Bob);
        var listed = await queue.List(Owner);
        Assert.Equal([byBob.Id, byCid.Id], listed.Select(i => i.Id));
        Assert.Equal(0.8, listed[0].Priority, 3);
        Assert.Equal(0.2, listed[1].Priority, 3);
    }

    [Fact]
    public async Task Warnings_climb_the_strike_ladder_the_member_is_told_why_and_a_granted_appeal_lifts_the_mute()
    {
        var (community, channel) = await NewCommunity(Policy(ladder: [new(2, 60, false), new(3, 0, true)]));
        var moderation = Grains.GetGrain<ICommunityModerationGrain>(community);
        var queue = Grains.GetGrain<IModerationQueueGrain>(community);

        Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() => moderation.Warn("ann", "x", Bob))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() => moderation.Warn("ann", " ", Owner))).Code);
        var once = await moderation.Warn("ann", "off-topic spam", Owner);
        Assert.Equal((1, (DateTimeOffset?)null), (once.Strikes, once.MutedUntil));
        await Say(channel, Ann, "still allowed to talk");

        var twice = await moderation.Warn("ann", "insulting Bob", Owner);
        Assert.Equal(2, twice.Strikes);
        Assert.NotNull(twice.MutedUntil);
        // The channel caches memberships for 50 ms in tests: the mute reaches it once that entry expires.
        await Task.Delay(TimeSpan.FromMilliseconds(100));
        Assert.Equal(ErrorCodes.Muted, (await Assert.ThrowsAsync<CommunityException>(() => Say(channel, Ann, "hello?"))).Code);

        var notices = await Inbox(Ann);
        Assert.Contains(notices, n => n.CommunityId == community && n.Kind == NotificationKinds.Warning && n.Text.Contains("insulting Bob", StringComparison.Ordinal));
        Assert.Contains(notices, n => n.CommunityId == community && n.Kind == NotificationKinds.Muted && n.Text.Contains("2 active warnings", StringComparison.Ordinal));
        var audit = await Grains.GetGrain<IAuditLogGrain>(community).Read(null, 10, Owner);
        Assert.Equal([("mute", "auto-moderation"), ("warn", "owner"), ("warn", "owner")], audit.Entries.Take(3).Select(e => (e.Action, e.Actor)));

        var sanctions = await moderation.Sanctions("ann", Ann);
        Assert.Equal([SanctionKind.Mute, SanctionKind.Warning, SanctionKind.Warning], sanctions.Select(s => s.Kind));
        Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() => moderation.Sanctions("ann", Bob))).Code);
        Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<CommunityException>(() => queue.Appeal(sanctions[0].Id, "not me", Bob))).Code);

        var appeal = await queue.Appeal(sanctions[0].Id, "I apologised to Bob", Ann);
        Assert.Equal(ReviewKind.Appeal, appeal.Kind);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() => queue.Appeal(sanctions[0].Id, "again", Ann))).Code);
        Assert.Equal("granted", (await queue.Approve(appeal.Id, Owner)).Resolution);
        var member = await Grains.GetGrain<IMemberGrain>(MemberKey.For(community, "ann")).Get();
        Assert.Null(member!.MutedUntil);
        Assert.Equal(2, member.Strikes);
        Assert.Contains(await Inbox(Ann), n => n.Kind == NotificationKinds.AppealDecided && n.Text.Contains("granted", StringComparison.Ordinal));

        // The third warning reaches the top rung: banned.
        var banned = await moderation.Warn("ann", "spam again", Owner);
        Assert.Equal("3 active warnings (latest: spam again)", banned.BannedReason);
        var denied = await queue.Appeal((await moderation.Sanctions("ann", Ann))[0].Id, "please", Ann);
        Assert.Equal("denied", (await queue.Reject(denied.Id, "repeat offender", Owner)).Resolution);
        Assert.NotNull((await Grains.GetGrain<IMemberGrain>(MemberKey.For(community, "ann")).Get())!.BannedReason);
    }

    [Fact]
    public async Task Trust_rises_with_accepted_messages_and_days_active_but_not_while_a_warning_is_active()
    {
        // Flood control in tests allows 5 messages per 5 s, so the thresholds are small.
        var (community, channel) = await NewCommunity(Policy(trust: [new(1, 1, 2), new(2, 1, 4)]));
        for (var i = 0; i < 2; i++)
        {
            await Say(channel, Ann, $"message {i}");
            await Say(channel, Bob, $"reply {i}");
        }

        var ann = Grains.GetGrain<IMemberGrain>(MemberKey.For(community, "ann"));
        await Eventually(async () => (await ann.Get())!.TrustLevel == 1);
        var annInfo = (await ann.Get())!;
        Assert.Equal((2L, 1), (annInfo.AcceptedMessages, annInfo.DaysActive));
        Assert.Contains(await Inbox(Ann), n => n.CommunityId == community && n.Kind == NotificationKinds.TrustLevel);

        await Grains.GetGrain<ICommunityModerationGrain>(community).Warn("bob", "rude", Owner);
        for (var i = 0; i < 2; i++)
        {
            await Say(channel, Ann, $"more {i}");
            await Say(channel, Bob, $"more {i}");
        }

        await Eventually(async () => (await ann.Get())!.TrustLevel == 2);
        var bob = Grains.GetGrain<IMemberGrain>(MemberKey.For(community, "bob"));
        await Eventually(async () => (await bob.Get())!.AcceptedMessages == 4);
        Assert.Equal(1, (await bob.Get())!.TrustLevel); // enough for 2, but the warning freezes it
    }

    [Fact]
    public async Task The_inbox_keeps_each_notice_once_pages_newest_first_and_counts_unread()
    {
        var inbox = Grains.GetGrain<INotificationInboxGrain>($"user-{Guid.NewGuid():n}");
        for (var i = 1; i <= 5; i++)
        {
            await inbox.Post(new NotificationDraft("c", "warning", $"notice {i}", $"src-{i}"));
        }

        await inbox.Post(new NotificationDraft("c", "warning", "notice 3 retried", "src-3"));
        var first = await inbox.List(null, 2);
        Assert.Equal(["notice 5", "notice 4"], first.Items.Select(n => n.Text));
        Assert.Equal(5, first.Unread);
        var next = await inbox.List(first.NextBefore, 10);
        Assert.Equal(["notice 3", "notice 2", "notice 1"], next.Items.Select(n => n.Text));
        Assert.Null(next.NextBefore);
        Assert.Equal(2, await inbox.MarkRead(3));
        Assert.Equal(0, await inbox.MarkRead(long.MaxValue));
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 10 s");
            await Task.Delay(50);
        }
    }
}
