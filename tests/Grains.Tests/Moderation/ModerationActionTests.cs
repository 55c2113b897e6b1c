using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;

namespace CommunityScale.Grains.Tests.Moderation;

[Collection(SharedCluster.Name)]
[Trait("Area", "Moderation")]
public sealed class ModerationActionTests(ClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "Owner");
    private static readonly Actor Ann = new("ann", "Ann");
    private static readonly Actor Bob = new("bob", "Bob");

    private IClusterClient Client => fixture.Client;

    private async Task<(string Community, IChannelGrain Channel, ICommunityModerationGrain Moderation)> NewCommunity()
    {
        var community = $"a-{Guid.NewGuid():n}";
        await Client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        await Client.GetGrain<ICommunityGrain>(community).Join(Ann);
        await Client.GetGrain<ICommunityGrain>(community).Join(Bob);
        await Client.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, Owner);
        return (community, Client.GetGrain<IChannelGrain>(new ChannelKey(community, "live").ToString()), Client.GetGrain<ICommunityModerationGrain>(community));
    }

    private static SendMessageCommand Say(Actor who, string text) => new(who.UserId, who.DisplayName, text, Guid.NewGuid().ToString("n"));

    /// <summary>A restriction reaches channels within the membership cache (50 ms in these tests).</summary>
    private static async Task<CommunityException?> RefusalSoon(IChannelGrain channel, Actor who, string? expectedCode)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            try
            {
                await channel.Send(Say(who, $"attempt {Guid.NewGuid():n}"));
                if (expectedCode is null)
                {
                    return null;
                }
            }
            catch (CommunityException ex) when (ex.Code == expectedCode)
            {
                return ex;
            }
            catch (CommunityException) when (expectedCode is null)
            {
            }

            await Task.Delay(TimeSpan.FromMilliseconds(60));
        }

        throw new TimeoutException($"expected {expectedCode ?? "acceptance"}");
    }

    [Fact]
    public async Task A_muted_member_is_refused_with_the_time_left_until_unmuted()
    {
        var (_, channel, moderation) = await NewCommunity();
        var muted = await moderation.Mute("ann", TimeSpan.FromMinutes(10), "flooding", Owner);
        Assert.NotNull(muted.MutedUntil);
        var refused = await RefusalSoon(channel, Ann, ErrorCodes.Muted);
        Assert.Contains("min left", refused!.Reason, StringComparison.Ordinal);
        await channel.Send(Say(Bob, "others still talk"));

        await moderation.Unmute("ann", Owner);
        await RefusalSoon(channel, Ann, null);
    }

    [Fact]
    public async Task A_banned_member_is_refused_with_the_reason_until_unbanned()
    {
        var (community, channel, moderation) = await NewCommunity();
        await moderation.Ban("bob", "spam links", Owner);
        var refused = await RefusalSoon(channel, Bob, ErrorCodes.Banned);
        Assert.Contains("spam links", refused!.Reason, StringComparison.Ordinal);
        // Joining again does not lift a ban.
        Assert.Equal("spam links", (await Client.GetGrain<ICommunityGrain>(community).Join(Bob)).BannedReason);

        await moderation.Unban("bob", Owner);
        await RefusalSoon(channel, Bob, null);
    }

    [Fact]
    public async Task Bad_moderation_calls_are_refused_and_change_nothing()
    {
        var (community, _, moderation) = await NewCommunity();
        Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() => moderation.Mute("bob", TimeSpan.FromMinutes(5), "", Ann))).Code);
        Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() => moderation.Ban("owner", "", Owner))).Code);
        Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<CommunityException>(() => moderation.Mute("nobody", TimeSpan.FromMinutes(5), "", Owner))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() => moderation.Mute("bob", TimeSpan.Zero, "", Owner))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() => moderation.Mute("bob", TimeSpan.FromDays(366), "", Owner))).Code);

        var bob = await Client.GetGrain<IMemberGrain>(MemberKey.For(community, "bob")).Get();
        Assert.Null(bob!.MutedUntil);
        Assert.Null(bob.BannedReason);
        Assert.Null((await Client.GetGrain<IAuditLogGrain>(community).Read(null, 50, Owner)).NextBefore);
        Assert.Empty((await Client.GetGrain<IAuditLogGrain>(community).Read(null, 50, Owner)).Entries);
    }

    [Fact]
    public async Task Every_action_lands_in_the_audit_log_newest_first_for_moderators_only()
    {
        var (community, channel, moderation) = await NewCommunity();
        await Client.GetGrain<IModerationPolicyGrain>(community).Update(new ModerationPolicyUpdate(["spam"], null, null, null, null, null, null), Owner);
        await channel.SetSlowMode(10, Owner);
        await moderation.Mute("ann", TimeSpan.FromMinutes(5), "heated", Owner);
        await moderation.Ban("bob", "spam links", Owner);

        var log = Client.GetGrain<IAuditLogGrain>(community);
        Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() => log.Read(null, 50, Ann))).Code);
        var page = await log.Read(null, 50, Owner);
        Assert.Equal(["ban", "mute", "slow_mode", "policy"], page.Entries.Select(e => e.Action));
        Assert.All(page.Entries, e => Assert.Equal("owner", e.Actor));
        Assert.Equal("bob", page.Entries[0].Target);
        Assert.Equal("spam links", page.Entries[0].Reason);
        Assert.Contains("heated", page.Entries[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_log_pages_through_sealed_pages_in_order()
    {
        var community = $"a-{Guid.NewGuid():n}";
        await Client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        var log = Client.GetGrain<IAuditLogGrain>(community);
        for (var i = 1; i <= 450; i++)
        {
            await log.Append("system", "test", $"t{i}", "");
        }

        var seen = new List<long>();
        long? before = null;
        do
        {
            var page = await log.Read(before, 200, Owner);
            seen.AddRange(page.Entries.Select(e => e.Id));
            before = page.NextBefore;
        }
        while (before is not null);

        Assert.Equal(Enumerable.Range(1, 450).Reverse().Select(i => (long)i), seen);
    }

    [Fact]
    public async Task Removing_a_message_from_a_sealed_page_redacts_it_there_and_keeps_seq_gap_free()
    {
        var (community, channel, _) = await NewCommunity();
        // One message per fan: the member rate limit (5 per 5 s here) stays out of the way.
        for (var i = 1; i <= 3 * ClusterFixture.PageSize; i++)
        {
            await Client.GetGrain<ICommunityGrain>(community).Join(new Actor($"fan-{i}", "Fan"));
            await channel.Send(new SendMessageCommand($"fan-{i}", "Fan", $"message {i}", $"m{i}"));
        }

        Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() => channel.RemoveMessage(3, "", Ann))).Code);
        Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<CommunityException>(() => channel.RemoveMessage(999, "", Owner))).Code);
        var notice = await channel.RemoveMessage(3, "sealed but not safe", Owner);
        Assert.Equal(3, notice.Seq);
        await channel.RemoveMessage(3 * ClusterFixture.PageSize, "in the tail", Owner);

        var history = await channel.GetHistory(0, 200);
        Assert.Equal(Enumerable.Range(1, 3 * ClusterFixture.PageSize).Select(i => (long)i), history.Messages.Select(m => m.Seq));
        Assert.True(history.Messages[2].Removed);
        Assert.Equal("", history.Messages[2].Text);
        Assert.True(history.Messages[^1].Removed);
        Assert.Equal(3 * ClusterFixture.PageSize - 2, history.Messages.Count(m => !m.Removed));
    }

    [Fact]
    public async Task A_burst_switches_slow_mode_on_by_itself_and_the_audit_log_says_so()
    {
        var (community, channel, _) = await NewCommunity();
        await Client.GetGrain<IModerationPolicyGrain>(community).Update(
            new ModerationPolicyUpdate(null, null, null, null, null, null, null, AutoSlowModeThreshold: 5, AutoSlowModeSeconds: 30), Owner);
        for (var i = 1; i <= 6; i++)
        {
            await Client.GetGrain<ICommunityGrain>(community).Join(new Actor($"fan-{i}", "Fan"));
            await channel.Send(new SendMessageCommand($"fan-{i}", "Fan", $"goal {i}", $"g{i}"));
        }

        Assert.Equal(30, await channel.GetSlowMode());
        await channel.Send(new SendMessageCommand("fan-1", "Fan", "again", "g7"));
        var ex = await Assert.ThrowsAsync<CommunityException>(() => channel.Send(new SendMessageCommand("fan-1", "Fan", "and again", "g8")));
        Assert.Equal(ErrorCodes.SlowMode, ex.Code);

        // The audit entry is the channel's follow-up: stored with the change, appended a moment after it.
        AuditPage audit;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(audit = await Client.GetGrain<IAuditLogGrain>(community).Read(null, 10, Owner)).Entries.Any(e => e.Action == "auto_slow_mode") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var auto = Assert.Single(audit.Entries, e => e.Action == "auto_slow_mode");
        Assert.Equal("auto-moderation", auto.Actor);
        Assert.StartsWith("on: 6 messages", auto.Reason, StringComparison.Ordinal);
    }
}
