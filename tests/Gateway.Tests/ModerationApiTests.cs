using System.Net;
using System.Net.Http.Json;
using CommunityScale.Moderation;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Moderation")]
public sealed class ModerationApiTests(SystemFixture fixture)
{
    [Fact]
    public async Task An_owner_sets_the_policy_and_slow_mode_over_rest_and_members_see_the_reasons_on_the_hub()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, channel) = await SystemFixture.NewChannel(owner, ann);

        var refused = await ann.Http.PutAsJsonAsync($"/api/communities/{community}/moderation/policy", new { blockedTerms = new[] { "spam" } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.GetAsync($"/api/communities/{community}/moderation/policy")).StatusCode);

        var tooLong = await owner.Http.PutAsJsonAsync($"/api/communities/{community}/moderation/policy", new { blockedTerms = new[] { new string('x', 101) } });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);

        var set = await owner.Http.PutAsJsonAsync($"/api/communities/{community}/moderation/policy", new { blockedTerms = new[] { "spam", "*scam*" }, allowedWords = new[] { "scampi" } });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var policy = await owner.GetAsync<ModerationPolicy>($"/api/communities/{community}/moderation/policy");
        Assert.Equal(["spam", "*scam*"], policy.BlockedTerms);

        var blocked = await Assert.ThrowsAsync<HubException>(() => ann.Send(community, channel, "free S.P.A.M here"));
        Assert.Equal("blocked_content", SystemFixture.CodeOf(blocked));
        await ann.Send(community, channel, "scampi for dinner");

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.PutAsJsonAsync($"/api/communities/{community}/channels/{channel}/slow-mode", new { seconds = 20 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/channels/{channel}/slow-mode", new { seconds = 99999 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/channels/{channel}/slow-mode", new { seconds = 20 })).StatusCode);
        await ann.Send(community, channel, "one");
        var slow = await Assert.ThrowsAsync<HubException>(() => ann.Send(community, channel, "two"));
        Assert.Equal("slow_mode", SystemFixture.CodeOf(slow));
        Assert.Matches("(19|20) s left", slow.Message);

        var history = await ann.GetAsync<Chat.HistoryPage>($"/api/communities/{community}/channels/{channel}/messages");
        Assert.Equal(["scampi for dinner", "one"], history.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Moderators_mute_and_ban_over_rest_members_see_why_and_the_audit_log_records_it()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, channel) = await SystemFixture.NewChannel(owner, ann);
        var moderation = $"/api/communities/{community}/moderation";

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.PostAsJsonAsync($"{moderation}/members/olga/mute", new { minutes = 5, reason = "revenge" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PostAsJsonAsync($"{moderation}/members/ann/mute", new { minutes = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.PostAsJsonAsync($"{moderation}/members/nobody/ban", new { reason = "x" })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await owner.Http.PostAsJsonAsync($"{moderation}/members/ann/mute", new { minutes = 5, reason = "cool down" })).StatusCode);
        HubException? muted = null;
        for (var attempt = 0; muted is null && attempt < 50; attempt++)
        {
            try
            {
                await ann.Send(community, channel, $"still here {attempt}");
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
            catch (HubException ex)
            {
                muted = ex;
            }
        }

        Assert.Equal("muted", SystemFixture.CodeOf(muted!));
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.DeleteAsync($"{moderation}/members/ann/mute")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.PostAsJsonAsync($"{moderation}/members/ann/ban", new { reason = "spam links" })).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.GetAsync($"{moderation}/audit")).StatusCode);
        var audit = await owner.GetAsync<AuditPage>($"{moderation}/audit?limit=10");
        Assert.Equal(["ban", "unmute", "mute"], audit.Entries.Select(e => e.Action));
        Assert.Equal("spam links", audit.Entries[0].Reason);
    }

    [Fact]
    public async Task A_moderator_removes_a_message_and_everyone_sees_it_vanish_live_and_in_history()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, channel) = await SystemFixture.NewChannel(owner, ann);
        await owner.JoinChannel(community, channel);
        await ann.JoinChannel(community, channel);
        await ann.Send(community, channel, "fine");
        var bad = await ann.Send(community, channel, "something nasty");
        await ann.Send(community, channel, "also fine");
        var remove = $"/api/communities/{community}/moderation/channels/{channel}/messages";

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.PostAsJsonAsync($"{remove}/{bad.Seq}/remove", new { reason = "mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.PostAsJsonAsync($"{remove}/99/remove", new { reason = "?" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.PostAsJsonAsync($"{remove}/{bad.Seq}/remove", new { reason = "insult" })).StatusCode);

        await ann.WaitUntil(u => u.RemovedEvents.Any(r => r.CommunityId == community && r.Seq == bad.Seq), what: "MessageRemoved at the author");
        await owner.WaitUntil(u => u.RemovedEvents.Any(r => r.CommunityId == community && r.MessageId == bad.MessageId), what: "MessageRemoved at the owner");
        var history = await ann.GetAsync<Chat.HistoryPage>($"/api/communities/{community}/channels/{channel}/messages");
        Assert.Equal([1L, 2, 3], history.Messages.Select(m => m.Seq));
        Assert.Equal(["fine", "", "also fine"], history.Messages.Select(m => m.Text));
        Assert.True(history.Messages[1].Removed);
        // The audit entry is recorded with the removal and appended a moment later (the channel's outbox).
        AuditPage audit = null!;
        await Responses.Eventually(async () => (audit = await owner.GetAsync<AuditPage>($"/api/communities/{community}/moderation/audit")).Entries is [{ Action: "remove_message" }, ..],
            "the removal in the audit log");
        Assert.Equal("remove_message", audit.Entries[0].Action);
        Assert.Equal("insult", audit.Entries[0].Reason);
    }

    [Fact]
    public async Task Reports_reach_watching_moderators_live_hide_the_message_for_everyone_and_a_restore_brings_it_back()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        await using var cid = await TestUser.ConnectAsync(fixture.Url, "cid");
        var (community, channel) = await SystemFixture.NewChannel(owner, ann, bob, cid);
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/moderation/policy", new { reportsToHide = 2 })).StatusCode);
        Assert.True((await owner.WatchCommunity(community)).ModerationEvents);
        Assert.False((await bob.WatchCommunity(community)).ModerationEvents);
        await ann.JoinChannel(community, channel);
        await bob.JoinChannel(community, channel);
        var rude = await ann.Send(community, channel, "you are all idiots");
        var messages = $"/api/communities/{community}/channels/{channel}/messages";

        Assert.Equal(HttpStatusCode.BadRequest, (await ann.PostAsync($"{messages}/{rude.Seq}/report", new { reason = "mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync($"{messages}/999/report", new { reason = "?" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync($"{messages}/{rude.Seq}/report", new { reason = "insult" })).StatusCode);
        await owner.WaitUntil(u => u.ModerationEvents.Any(e => e.CommunityId == community && e.Change == "queued" && e.Item.Seq == rude.Seq), what: "ModerationEvent queued");
        Assert.Equal(HttpStatusCode.OK, (await cid.PostAsync($"{messages}/{rude.Seq}/report", new { reason = "rude" })).StatusCode);
        await owner.WaitUntil(u => u.ModerationEvents.Any(e => e.CommunityId == community && e.Change == "updated" && e.Item.Hidden), what: "ModerationEvent hidden");
        await bob.WaitUntil(u => u.RemovedEvents.Any(r => r.CommunityId == community && r.Seq == rude.Seq), what: "MessageRemoved at a member");
        Assert.Empty(bob.ModerationEvents);

        Assert.Equal(HttpStatusCode.Forbidden, (await bob.Http.GetAsync($"/api/communities/{community}/moderation/queue")).StatusCode);
        var item = Assert.Single(await owner.GetAsync<List<ReviewItem>>($"/api/communities/{community}/moderation/queue"));
        Assert.Equal((ReviewKind.Report, 2, "you are all idiots"), (item.Kind, item.Reports, item.Text));
        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsync($"/api/communities/{community}/moderation/queue/{item.Id}/approve")).StatusCode);
        await bob.WaitUntil(u => u.RestoredEvents.Any(m => m.CommunityId == community && m.Seq == rude.Seq && m.Text == "you are all idiots"), what: "MessageRestored");
        await owner.WaitUntil(u => u.ModerationEvents.Any(e => e.Change == "resolved" && e.Resolution == "kept"), what: "ModerationEvent resolved");
    }

    [Fact]
    public async Task A_warned_member_is_notified_live_with_the_reason_and_appeals_over_rest()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, _) = await SystemFixture.NewChannel(owner, ann);
        var moderation = $"/api/communities/{community}/moderation";
        await ann.WatchCommunity(community);
        await owner.WatchCommunity(community);

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.PostAsync($"{moderation}/members/olga/warn", new { reason = "payback" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsync($"{moderation}/members/ann/warn", new { reason = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsync($"{moderation}/members/ann/warn", new { reason = "posting phone numbers" })).StatusCode);
        await ann.WaitUntil(u => u.Notifications.Any(n => n.CommunityId == community && n.Kind == "warning" && n.Text.Contains("posting phone numbers", StringComparison.Ordinal)),
            what: "the warning notification");

        var sanctions = await ann.GetAsync<List<Sanction>>($"/api/communities/{community}/me/sanctions");
        var warning = Assert.Single(sanctions);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.PostAsync($"/api/communities/{community}/me/sanctions/{warning.Id}/appeal", new { text = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ann.PostAsync($"/api/communities/{community}/me/sanctions/{warning.Id}/appeal", new { text = "It was my own shop's number" })).StatusCode);
        await owner.WaitUntil(u => u.ModerationEvents.Any(e => e.CommunityId == community && e.Item.Kind == ReviewKind.Appeal), what: "the appeal in the queue");
        var appeal = Assert.Single(await owner.GetAsync<List<ReviewItem>>($"{moderation}/queue"));
        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsync($"{moderation}/queue/{appeal.Id}/approve")).StatusCode);
        await ann.WaitUntil(u => u.Notifications.Any(n => n.Kind == "appeal_decided"), what: "the appeal decision");
        Assert.True((await ann.GetAsync<List<Sanction>>($"/api/communities/{community}/me/sanctions"))[0].Revoked);

        var inbox = await ann.GetAsync<Notifications.NotificationPage>("/api/me/notifications?limit=50");
        Assert.True(inbox.Unread >= 2);
        var read = await ann.PostAsync("/api/me/notifications/read", new { upTo = inbox.Items[0].Id });
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(0, (await ann.GetAsync<Notifications.NotificationPage>("/api/me/notifications")).Unread);
    }
}
