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
        var audit = await owner.GetAsync<AuditPage>($"/api/communities/{community}/moderation/audit");
        Assert.Equal("remove_message", audit.Entries[0].Action);
        Assert.Equal("insult", audit.Entries[0].Reason);
    }
}
