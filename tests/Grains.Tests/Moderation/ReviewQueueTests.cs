using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;

namespace CommunityScale.Grains.Tests.Moderation;

[Collection(SharedCluster.Name)]
[Trait("Area", "Moderation")]
public sealed class ReviewQueueTests(ClusterFixture fixture)
{
    private const string Spam = "WINNER!! You have been selected to receive a £900 prize reward! To claim call 09061701461. Valid 12 hours only.";
    private static readonly Actor Owner = new("owner", "Owner");
    private static readonly Actor Ann = new("ann", "Ann");
    private static readonly Actor Bob = new("bob", "Bob");

    [Fact]
    public async Task A_held_message_waits_without_a_seq_and_on_approval_is_delivered_in_order_or_on_rejection_dropped()
    {
        var community = $"q-{Guid.NewGuid():n}";
        var client = fixture.Client;
        await client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        await client.GetGrain<ICommunityGrain>(community).Join(Ann);
        await client.GetGrain<ICommunityGrain>(community).Join(Bob);
        await client.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, Owner);
        await client.GetGrain<IModerationPolicyGrain>(community).Update(
            new ModerationPolicyUpdate(null, null, null, null, null, null, null, ClassifierThreshold: 0.5, HoldInsteadOfRefuse: true), Owner);
        var channel = client.GetGrain<IChannelGrain>(new ChannelKey(community, "live").ToString());
        var queue = client.GetGrain<IModerationQueueGrain>(community);

        var held = await channel.Send(new SendMessageCommand("ann", "Ann", Spam, "spam-1"));
        Assert.True(held.Held);
        Assert.Equal(0, held.Seq);
        Assert.Equal(held, await channel.Send(new SendMessageCommand("ann", "Ann", Spam, "spam-1")));
        Assert.Equal(1, (await channel.Send(new SendMessageCommand("bob", "Bob", "See you at the stadium tonight", "b1"))).Seq);
        Assert.Equal(["See you at the stadium tonight"], (await channel.GetHistory(0, 50)).Messages.Select(m => m.Text));

        Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() => queue.List(Bob))).Code);
        Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() => queue.Approve(held.MessageId, Bob))).Code);
        var waiting = Assert.Single(await queue.List(Owner));
        Assert.Equal(held.MessageId, waiting.Id);
        Assert.Contains("looks like spam", waiting.Reason, StringComparison.Ordinal);

        var approved = await queue.Approve(held.MessageId, Owner);
        Assert.Equal(2, approved.Ack!.Seq);
        Assert.Equal(["See you at the stadium tonight", Spam], (await channel.GetHistory(0, 50)).Messages.Select(m => m.Text));
        Assert.Empty(await queue.List(Owner));
        Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<CommunityException>(() => queue.Approve(held.MessageId, Owner))).Code);

        var second = await channel.Send(new SendMessageCommand("ann", "Ann", Spam, "spam-2"));
        Assert.True(second.Held);
        await queue.Reject(second.MessageId, "scam", Owner);
        Assert.Empty(await queue.List(Owner));
        Assert.Equal(2, (await channel.GetHistory(0, 50)).LastSeq);

        var audit = await client.GetGrain<IAuditLogGrain>(community).Read(null, 10, Owner);
        Assert.Equal(["reject", "approve"], audit.Entries.Take(2).Select(e => e.Action));
    }
}
