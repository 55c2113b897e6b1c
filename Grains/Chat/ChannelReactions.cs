using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Gamification;
using CommunityScale.Posting;
using CommunityScale.Streams;

namespace CommunityScale.Chat;

/// <summary>
/// Members' reactions to chat messages: the community's reaction set and rate (<see cref="ReactionPolicy"/>, shared with
/// the forum), who reacted with what in <see cref="MessageReactionsGrain"/>s, the counts on the message itself through
/// the channel's writer, and the author's points as a follow-up stored with the counts.
/// </summary>
public sealed class ChannelReactions(ReactionPolicy policy, PostingGate gate, ChannelHistory history, ChannelWriter writer, ChannelKey key,
    TimeProvider clock, Func<ChannelStreamEvent, long, Task> publish)
{
    // One reaction at a time per channel: the counts written to the message are always the reactions grain's latest.
    private Task _reactionTurn = Task.CompletedTask;

    public async Task<MessageReactionCounts> React(long seq, string emoji, bool on, Actor caller)
    {
        var now = clock.GetUtcNow();
        await policy.RequireAllowed(emoji, now);
        await gate.RequireMayPost(caller.UserId, now);
        policy.RequireRate(caller.UserId, now);
        var previous = _reactionTurn;
        var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _reactionTurn = turn.Task;
        await previous;
        try
        {
            var current = await history.Message(seq, writer.CommittedSeq);
            if (current.Removed)
            {
                throw CommunityException.NotFound($"Message {seq} in channel '{key}' was removed; it");
            }

            var toggle = await history.ReactionsOf(seq).Toggle(seq, emoji, caller.UserId, on);
            if (toggle.Changed)
            {
                var counts = toggle.Counts;
                var owed = current.AuthorId == caller.UserId ? null : ReactionPoints(current, caller, emoji, on, now);
                if (!await writer.ChangeInTail(seq, m => m.Removed ? m : m with { Reactions = counts.Count == 0 ? null : counts }, _ => [owed]))
                {
                    await history.PageOf(seq).SetReactions(seq, counts);
                    await writer.Owe(owed);
                }

                await publish(new MessageReactionsChanged(new MessageReactionCounts(key.CommunityId, key.ChannelId, seq, counts, null)), seq);
            }

            return new MessageReactionCounts(key.CommunityId, key.ChannelId, seq, toggle.Counts, toggle.Mine);
        }
        finally
        {
            turn.SetResult();
        }
    }

    private FollowUp ReactionPoints(ChatMessage message, Actor reactor, string emoji, bool on, DateTimeOffset now)
    {
        var source = SourceIds.Reaction(message.MessageId, reactor.UserId, emoji);
        return on
            ? new AwardPoints([new ActivityEvent(source, key.CommunityId, message.AuthorId, message.AuthorName, ActionKinds.ReactionReceived, now, key.ChannelId, reactor.UserId)])
            : new TakeBackPoints(key.CommunityId, message.AuthorId, [source]);
    }
}
