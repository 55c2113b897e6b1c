using CommunityScale.Communities;
using CommunityScale.FollowUps;
using CommunityScale.Gamification;
using CommunityScale.Posting;

namespace CommunityScale.Chat;

/// <summary>
/// A removed chat message earns nothing: its own points and what its reactions earned are taken back, then its
/// reactor list is cleared. Read before cleared, so a delivery repeated after a crash still finds every source.
/// </summary>
[GenerateSerializer, Alias("cs.fu.TakeBackMessage")]
public sealed record TakeBackMessage([property: Id(0)] ChannelKey Channel, [property: Id(1)] long PageIndex, [property: Id(2)] long Seq,
    [property: Id(3)] string MessageId, [property: Id(4)] string AuthorId) : FollowUp
{
    public override async Task Deliver(IGrainFactory grains)
    {
        var reactions = grains.MessageReactions(Channel, PageIndex);
        var points = grains.MemberPoints(Channel.CommunityId, AuthorId);
        await points.TakeBackChat(Channel.ChannelId, Seq, SourceIds.ChatMessage(MessageId));
        foreach (var (reactor, emoji) in await reactions.Reactors(Seq))
        {
            await points.TakeBack(SourceIds.Reaction(MessageId, reactor, emoji));
        }

        await reactions.Clear(Seq);
    }
}
