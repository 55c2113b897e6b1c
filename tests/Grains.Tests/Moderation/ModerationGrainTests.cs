using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;

namespace CommunityScale.Grains.Tests.Moderation;

[Collection(SharedCluster.Name)]
[Trait("Area", "Moderation")]
public sealed class ModerationGrainTests(ClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "Owner");
    private static readonly Actor Ann = new("ann", "Ann");

    private IClusterClient Client => fixture.Client;

    private async Task<(ChannelKey Key, IChannelGrain Channel, IModerationPolicyGrain Policy)> NewChannel()
    {
        var community = $"m-{Guid.NewGuid():n}";
        await Client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        await Client.GetGrain<ICommunityGrain>(community).Join(Ann);
        await Client.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, Owner);
        var key = new ChannelKey(community, "live");
        return (key, Client.GetGrain<IChannelGrain>(key.ToString()), Client.GetGrain<IModerationPolicyGrain>(community));
    }

    private static SendMessageCommand Say(Actor who, string text) => new(who.UserId, who.DisplayName, text, Guid.NewGuid().ToString("n"));

    private static async Task<string> Refusal(Task send) => (await Assert.ThrowsAsync<CommunityException>(() => send)).Code;

    [Fact]
    public async Task Only_moderators_and_up_see_or_change_the_policy_and_bad_lists_are_invalid()
    {
        var (_, _, policy) = await NewChannel();
        Assert.Equal(ErrorCodes.Forbidden, await Refusal(policy.Update(new ModerationPolicyUpdate(["spam"], null, null, null, null, null, null), Ann)));
        Assert.Equal(ErrorCodes.Forbidden, await Refusal(policy.Read(Ann)));
        Assert.Equal(ErrorCodes.NotMember, await Refusal(policy.Read(new Actor("zed", "Zed"))));

        var tooMany = Enumerable.Range(0, ModerationPolicy.MaxTerms + 1).Select(i => $"word{i}").ToList();
        var ex = await Assert.ThrowsAsync<CommunityException>(() => policy.Update(new ModerationPolicyUpdate(tooMany, null, null, null, null, null, null), Owner));
        Assert.Equal(ErrorCodes.Invalid, ex.Code);
        Assert.Contains("10000", ex.Reason, StringComparison.Ordinal);
        Assert.Equal(ErrorCodes.Invalid, await Refusal(policy.Update(new ModerationPolicyUpdate(null, null, ["not a domain"], null, null, null, null), Owner)));
        Assert.Equal(ErrorCodes.Invalid, await Refusal(policy.Update(new ModerationPolicyUpdate(null, null, null, null, 9, null, null), Owner)));
        Assert.Equal(0, (await policy.Read(Owner)).Version);

        var updated = await policy.Update(new ModerationPolicyUpdate(["spam", "Spam"], ["scunthorpe"], null, ["bad.example"], 1, 3, null), Owner);
        Assert.Equal(1, updated.Version);
        Assert.Equal(["spam"], updated.BlockedTerms);
        Assert.Equal(3, updated.MaxMentions);
    }

    [Fact]
    public async Task A_message_with_a_blocked_term_or_a_denied_link_is_refused_and_leaves_no_trace()
    {
        var (_, channel, policy) = await NewChannel();
        await policy.Update(new ModerationPolicyUpdate(["kaufen*", "*crap*"], ["scrapbook"], null, ["spam.example"], 0, 2, null), Owner);

        Assert.Equal(ErrorCodes.BlockedContent, await Refusal(channel.Send(Say(Ann, "Jetzt K A U F E N!!"))));
        Assert.Equal(ErrorCodes.BlockedContent, await Refusal(channel.Send(Say(Ann, "what cr4p"))));
        Assert.Equal(ErrorCodes.BlockedContent, await Refusal(channel.Send(Say(Ann, "visit https://www.spam.example/win"))));
        Assert.Equal(ErrorCodes.BlockedContent, await Refusal(channel.Send(Say(Ann, "@a @b @c look"))));
        Assert.Equal(1, (await channel.Send(Say(Ann, "my scrapbook of the match"))).Seq);

        var history = await channel.GetHistory(0, 50);
        Assert.Equal(["my scrapbook of the match"], history.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Slow_mode_set_by_a_moderator_refuses_with_the_seconds_left_but_not_for_moderators()
    {
        var (_, channel, _) = await NewChannel();
        Assert.Equal(ErrorCodes.Forbidden, await Refusal(channel.SetSlowMode(30, Ann)));
        Assert.Equal(ErrorCodes.Invalid, await Refusal(channel.SetSlowMode(-1, Owner)));
        await channel.SetSlowMode(30, Owner);
        Assert.Equal(30, await channel.GetSlowMode());

        await channel.Send(Say(Ann, "first"));
        var ex = await Assert.ThrowsAsync<CommunityException>(() => channel.Send(Say(Ann, "second")));
        Assert.Equal(ErrorCodes.SlowMode, ex.Code);
        Assert.Matches("(29|30) s left", ex.Reason);
        await channel.Send(Say(Owner, "owners are not slowed"));
        await channel.Send(Say(Owner, "not at all"));

        await channel.SetSlowMode(0, Owner);
        await channel.Send(Say(Ann, "second, after slow mode ended"));
        Assert.Equal(4, (await channel.GetHistory(0, 50)).LastSeq);
    }

    [Fact]
    public async Task A_policy_change_reaches_a_busy_channel_within_the_refresh_interval()
    {
        var (_, channel, policy) = await NewChannel();
        await channel.Send(Say(Ann, "hello"));
        await policy.Update(new ModerationPolicyUpdate(["verboten"], null, null, null, null, null, null), Owner);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        string? code = null;
        while (code is null && DateTime.UtcNow < deadline)
        {
            try
            {
                await channel.Send(Say(Owner, $"das ist verboten {Guid.NewGuid():n}"));
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
            catch (CommunityException ex)
            {
                code = ex.Code;
            }
        }

        Assert.Equal(ErrorCodes.BlockedContent, code);
    }

    [Fact]
    public async Task Links_need_the_policy_trust_level_except_for_moderators()
    {
        var (_, channel, policy) = await NewChannel();
        await policy.Update(new ModerationPolicyUpdate(null, null, null, null, 1, null, null), Owner);
        var ex = await Assert.ThrowsAsync<CommunityException>(() => channel.Send(Say(Ann, "see https://example.org")));
        Assert.Contains("trust level 1", ex.Reason, StringComparison.Ordinal);
        Assert.Equal(1, (await channel.Send(Say(Owner, "see https://example.org"))).Seq);
    }
}
