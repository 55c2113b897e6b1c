using CommunityScale.Privacy;
using CommunityScale.Streams;

namespace CommunityScale.Chat;

[GenerateSerializer, Alias("cs.MessageReactionsState")]
public sealed class MessageReactionsState
{
    /// <summary>seq → emoji → who.</summary>
    [Id(0)] public Dictionary<long, Dictionary<string, HashSet<string>>> Reactors { get; set; } = [];
}

/// <summary>Reactors of one history page's range of a channel. Only its channel calls it, one toggle at a time.</summary>
public sealed class MessageReactionsGrain(
    [PersistentState("reactions", StorageNames.Main)] IPersistentState<MessageReactionsState> state) : Grain, IMessageReactionsGrain
{
    public async Task<ReactionToggle> Toggle(long seq, string emoji, string userId, bool on)
    {
        var byEmoji = state.State.Reactors.GetValueOrDefault(seq) ?? [];
        var who = byEmoji.GetValueOrDefault(emoji);
        var changed = on ? (byEmoji[emoji] = who ?? new HashSet<string>(StringComparer.Ordinal)).Add(userId) : who?.Remove(userId) == true;
        if (changed)
        {
            if (who is { Count: 0 })
            {
                byEmoji.Remove(emoji);
            }

            if (byEmoji.Count == 0)
            {
                state.State.Reactors.Remove(seq);
            }
            else
            {
                state.State.Reactors[seq] = byEmoji;
            }

            await state.WriteStateAsync();
        }

        return new ReactionToggle(
            byEmoji.Where(e => e.Value.Count > 0).ToDictionary(e => e.Key, e => e.Value.Count, StringComparer.Ordinal),
            [.. byEmoji.Where(e => e.Value.Contains(userId)).Select(e => e.Key).Order(StringComparer.Ordinal)],
            changed);
    }

    public Task<IReadOnlyList<KeyValuePair<string, string>>> Reactors(long seq) =>
        Task.FromResult<IReadOnlyList<KeyValuePair<string, string>>>(state.State.Reactors.TryGetValue(seq, out var byEmoji)
            ? [.. byEmoji.SelectMany(e => e.Value.Select(user => new KeyValuePair<string, string>(user, e.Key)))]
            : []);

    public async Task<IReadOnlyList<KeyValuePair<string, string>>> Clear(long seq)
    {
        if (!state.State.Reactors.Remove(seq, out var byEmoji))
        {
            return [];
        }

        await state.WriteStateAsync();
        return [.. byEmoji.SelectMany(e => e.Value.Select(user => new KeyValuePair<string, string>(user, e.Key)))];
    }

    public async Task ClearThrough(long throughSeq)
    {
        if (state.State.Reactors.Keys.Any(seq => seq <= throughSeq))
        {
            state.State.Reactors = state.State.Reactors.Where(r => r.Key > throughSeq).ToDictionary();
            await state.WriteStateAsync();
        }
    }

    public Task<MemberTrace> CollectMember(string userId) => Task.FromResult(MemberTrace.Empty with
    {
        Reactions = [.. ReactionsOf(userId).Select(r => new ReactionGiven($"channel:{ChannelId}", r.Seq, r.Emoji))],
    });

    /// <summary>Takes the member out of every reactor list; the counts shown on messages stay (they name nobody).</summary>
    public async Task EraseMember(string userId, string pseudonym)
    {
        var reacted = ReactionsOf(userId).ToList();
        if (reacted.Count == 0)
        {
            return;
        }

        foreach (var (seq, emoji) in reacted)
        {
            var byEmoji = state.State.Reactors[seq];
            byEmoji[emoji].Remove(userId);
            byEmoji[emoji].Add(pseudonym);
        }

        await state.WriteStateAsync();
    }

    private IEnumerable<(long Seq, string Emoji)> ReactionsOf(string userId) =>
        state.State.Reactors.SelectMany(r => r.Value.Where(e => e.Value.Contains(userId)).Select(e => (r.Key, e.Key)));

    private string ChannelId => this.GetPrimaryKeyString().Split('/')[1];
}
