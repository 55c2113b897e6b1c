using CommunityScale.Privacy;
using CommunityScale.Scheduling;
using CommunityScale.Streams;

namespace CommunityScale.Chat;

[GenerateSerializer, Alias("cs.HistoryPageState")]
public sealed class HistoryPageState
{
    [Id(0)] public List<ChatMessage> Messages { get; set; } = [];
}

/// <summary>A sealed page of history: written once by its channel, then only read (and redacted by moderators).</summary>
/// <remarks>
/// Idle for two minutes, not Orleans' default fifteen: a page is sealed once and read again only by a deep scroll-back,
/// since the channel keeps the newest messages itself. At the default a busy silo held every page of the last quarter of
/// an hour, 100 messages each (the chaos soak: 241 pages on one silo, and its heap growing for 15 minutes).
/// </remarks>
[CollectionAgeLimit(Minutes = 2)]
public sealed class HistoryPageGrain(
    [PersistentState("page", StorageNames.Main)] IPersistentState<HistoryPageState> state) : Grain, IHistoryPageGrain
{
    private readonly StateWriter<HistoryPageState> _store = new(state);

    public async Task Seal(IReadOnlyList<ChatMessage> messages)
    {
        if (!_store.RecordExists || _store.State.Messages.Count != messages.Count)
        {
            _store.State.Messages = [.. messages];
            await _store.Write();
            return;
        }

        // Sealed again after a crash between the page's write and the channel's checkpoint. Either copy may have
        // changed meanwhile (the tail's by an erasure, the page's by a moderator): the removal or the later edit wins.
        var changed = false;
        for (var i = 0; i < messages.Count; i++)
        {
            var merged = Later(_store.State.Messages[i], messages[i]);
            if (!ReferenceEquals(merged, _store.State.Messages[i]))
            {
                _store.State.Messages[i] = merged;
                changed = true;
            }
        }

        if (changed)
        {
            await _store.Write();
        }
    }

    private static ChatMessage Later(ChatMessage held, ChatMessage sealing) =>
        held.Seq != sealing.Seq || held.MessageId != sealing.MessageId ? held
        : sealing.Removed && (!held.Removed || (sealing.AuthorId.Length == 0 && held.AuthorId.Length > 0)) ? sealing
        : !held.Removed && sealing.EditedAt > (held.EditedAt ?? DateTimeOffset.MinValue) ? sealing
        : held;

    public Task<IReadOnlyList<ChatMessage>> Read() => Task.FromResult<IReadOnlyList<ChatMessage>>(_store.State.Messages);

    public async Task<ChatMessage?> Redact(long seq)
    {
        var index = _store.State.Messages.FindIndex(m => m.Seq == seq);
        if (index < 0)
        {
            return null;
        }

        var original = _store.State.Messages[index];
        if (!original.Removed)
        {
            _store.State.Messages[index] = original.AsRemoved();
            await _store.Write();
        }

        return original;
    }

    public async Task<bool> Restore(ChatMessage original)
    {
        // A tombstone (erased or purged: no author any more) stays one.
        var index = _store.State.Messages.FindIndex(m => m.Seq == original.Seq && m.MessageId == original.MessageId && m.AuthorId == original.AuthorId);
        if (index < 0)
        {
            return false;
        }

        if (_store.State.Messages[index].Removed)
        {
            _store.State.Messages[index] = original with { Removed = false };
            await _store.Write();
        }

        return true;
    }

    public Task<ChatMessage?> Edit(long seq, string text, DateTimeOffset editedAt, bool mentionsEveryone) =>
        Change(seq, m => m.Removed ? m : m with { Text = text, EditedAt = editedAt, MentionsEveryone = mentionsEveryone });

    public Task<ChatMessage?> SetReactions(long seq, IReadOnlyDictionary<string, int> counts) =>
        Change(seq, m => m.Removed ? m : m with { Reactions = counts.Count == 0 ? null : counts });

    private async Task<ChatMessage?> Change(long seq, Func<ChatMessage, ChatMessage> change)
    {
        var index = _store.State.Messages.FindIndex(m => m.Seq == seq);
        if (index < 0)
        {
            return null;
        }

        var changed = change(_store.State.Messages[index]);
        if (!ReferenceEquals(changed, _store.State.Messages[index]))
        {
            _store.State.Messages[index] = changed;
            await _store.Write();
        }

        return changed;
    }

    public async Task<bool> Purge(DateTimeOffset before)
    {
        await Tombstone(m => m.SentAt < before);
        return _store.State.Messages.TrueForAll(m => m.SentAt < before);
    }

    public Task<MemberTrace> CollectMember(string userId) =>
        Task.FromResult(MemberTrace.Empty with { Messages = [.. _store.State.Messages.Where(m => m.AuthorId == userId)] });

    public async Task EraseMember(string userId, string pseudonym)
    {
        await Tombstone(m => m.AuthorId == userId);
        // Others' messages keep their words, with the member's id (an @mention) replaced.
        var names = new Pseudonym(userId, "", pseudonym);
        if (Pseudonym.Rewrite(_store.State.Messages, m => Tombstones.WithoutMention(m, names.Scrub)))
        {
            await _store.Write();
        }
    }

    private async Task Tombstone(Func<ChatMessage, bool> which)
    {
        if (Pseudonym.Rewrite(_store.State.Messages, m => which(m) ? Tombstones.Of(m) : m))
        {
            await _store.Write();
        }
    }
}
