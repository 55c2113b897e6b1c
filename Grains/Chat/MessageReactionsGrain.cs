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

    public async Task<IReadOnlyList<KeyValuePair<string, string>>> Clear(long seq)
    {
        if (!state.State.Reactors.Remove(seq, out var byEmoji))
        {
            return [];
        }

        await state.WriteStateAsync();
        return [.. byEmoji.SelectMany(e => e.Value.Select(user => new KeyValuePair<string, string>(user, e.Key)))];
    }
}
