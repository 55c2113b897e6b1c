using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Streams;

namespace CommunityScale.Moderation;

[GenerateSerializer, Alias("cs.ModerationQueueState")]
public sealed class ModerationQueueState
{
    [Id(0)] public List<HeldMessage> Pending { get; set; } = [];
}

/// <summary>
/// Held messages wait here for a moderator. Approval sends the message into its channel as if just sent (it gets the
/// next seq then, so history stays gap-free and in acceptance order); rejection drops it. Both are audited.
/// </summary>
public sealed class ModerationQueueGrain(
    [PersistentState("moderation-queue", StorageNames.Main)] IPersistentState<ModerationQueueState> state,
    TimeProvider clock) : Grain, IModerationQueueGrain
{
    /// <summary>Beyond this many waiting messages new holds are refused: a queue nobody works must not grow forever.</summary>
    public const int MaxPending = 10_000;

    private string CommunityId => this.GetPrimaryKeyString();

    public async Task<HeldMessage> Hold(string channelId, string authorId, string authorName, string text, string clientMessageId, string reason)
    {
        if (state.State.Pending.Find(h => h.ChannelId == channelId && h.AuthorId == authorId && h.ClientMessageId == clientMessageId) is { } earlier)
        {
            return earlier;
        }

        if (state.State.Pending.Count >= MaxPending)
        {
            throw new CommunityException(ErrorCodes.BlockedContent, "The message needs a moderator's review, and the review queue is full; try again later.");
        }

        var held = new HeldMessage(Guid.NewGuid().ToString("n"), channelId, authorId, authorName, text, clientMessageId, reason, clock.GetUtcNow());
        state.State.Pending.Add(held);
        await state.WriteStateAsync();
        return held;
    }

    public async Task<IReadOnlyList<HeldMessage>> List(Actor moderator)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator);
        return [.. state.State.Pending];
    }

    public async Task<SendAck> Approve(string heldId, Actor moderator)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator);
        var held = Find(heldId);
        var ack = await GrainFactory.GetGrain<IChannelGrain>(new ChannelKey(CommunityId, held.ChannelId).ToString())
            .AcceptApproved(new SendMessageCommand(held.AuthorId, held.AuthorName, held.Text, held.ClientMessageId));
        // Stored in the channel first, then removed here: a crash in between leaves it queued, and approving it again
        // returns the same ack (the channel knows the clientMessageId).
        state.State.Pending.Remove(held);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IAuditLogGrain>(CommunityId).Append(moderator.UserId, "approve", $"{held.ChannelId}#{ack.Seq} by {held.AuthorId}", held.Reason);
        return ack;
    }

    public async Task Reject(string heldId, string reason, Actor moderator)
    {
        await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator);
        var held = Find(heldId);
        state.State.Pending.Remove(held);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IAuditLogGrain>(CommunityId).Append(moderator.UserId, "reject", $"{held.ChannelId} by {held.AuthorId}", reason);
    }

    private HeldMessage Find(string heldId) =>
        state.State.Pending.Find(h => h.Id == heldId) ?? throw CommunityException.NotFound($"Held message '{heldId}'");
}
