using CommunityScale.Privacy;
using CommunityScale.Scheduling;
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
    private readonly StateWriter<MessageReactionsState> _store = new(state);

    public async Task<ReactionToggle> Toggle(long seq, string emoji, string userId, bool on)
    {
        var byEmoji = _store.State.Reactors.GetValueOrDefault(seq) ?? [];
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
                _store.State.Reactors.Remove(seq);
            }
            else
            {
                _store.State.Reactors[seq] = byEmoji;
            }

            await _store.Write();
        }

        return new ReactionToggle(
            byEmoji.Where(e => e.Value.Count > 0).ToDictionary(e => e.Key, e => e.Value.Count, StringComparer.Ordinal),
            [.. byEmoji.Where(e => e.Value.Contains(userId)).Select(e => e.Key).Order(StringComparer.Ordinal)],
            changed);
    }

    public Task<IReadOnlyList<KeyValuePair<string, string>>> Reactors(long seq) =>
        Task.FromResult<IReadOnlyList<KeyValuePair<string, string>>>(_store.State.Reactors.TryGetValue(seq, out var byEmoji)
            ? [.. byEmoji.SelectMany(e => e.Value.Select(user => new KeyValuePair<string, string>(user, e.Key)))]
            : []);

    public async Task<IReadOnlyList<KeyValuePair<string, string>>> Clear(long seq)
    {
        if (!_store.State.Reactors.Remove(seq, out var byEmoji))
        {
            return [];
        }

        await _store.Write();
        return [.. byEmoji.SelectMany(e => e.Value.Select(user => new KeyValuePair<string, string>(user, e.Key)))];
    }

    public async Task ClearThrough(long throughSeq)
    {
        if (_store.State.Reactors.Keys.Any(seq => seq <= throughSeq))
        {
            _store.State.Reactors = _store.State.Reactors.Where(r => r.Key > throughSeq).ToDictionary();
            await _store.Write();
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
            var byEmoji = _store.State.Reactors[seq];
            byEmoji[emoji].Remove(userId);
            byEmoji[emoji].Add(pseudonym);
        }

        await _store.Write();
    }

    private IEnumerable<(long Seq, string Emoji)> ReactionsOf(string userId) =>
        _store.State.Reactors.SelectMany(r => r.Value.Where(e => e.Value.Contains(userId)).Select(e => (r.Key, e.Key)));

    private string ChannelId => this.GetPrimaryKeyString().Split('/')[1];
}
