using CommunityScale.Chat.Journal;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace CommunityScale.Chat;

/// <summary>What a change of a channel's state did: how to undo it if its write fails, and the follow-ups it owes.</summary>
public sealed record ChannelChange(Action? Undo, IReadOnlyList<FollowUp?> FollowUps)
{
    /// <summary>Applied, but nothing changed and nothing is owed.</summary>
    public static readonly ChannelChange Nothing = new(null, []);

    /// <summary>Only follow-ups to record (a change of a sealed page, which its page grain stored).</summary>
    public static ChannelChange Owing(params FollowUp?[] followUps) => new(null, followUps);
}

/// <summary>
/// The changes of a channel other than sends — edits, reactions, removals, moderators' settings, retention marks — as
/// the <see cref="ChannelWriter"/>'s loop stores them: applied in its turn, stored in one write of the channel's record
/// with the follow-ups they owe (its <see cref="Outbox"/>), undone if that write fails; a change of an unsealed
/// message's words then rewrites its journal row.
/// </summary>
public sealed partial class ChannelChanges(
    Func<ChannelState> state, Outbox outbox, ChannelJournal journal, ChannelCompaction compaction, ChannelKey key, ILogger logger, Action deactivate)
{
    private static readonly List<Action> NoUndo = [];
    private readonly List<PendingChange> _changes = [];
    private readonly List<ChatMessage> _rewrites = [];

    private ChannelState S => state();

    public bool Waiting => _changes.Count > 0;

    /// <summary>Queues a change; completes with whether it applied once it is stored (or fails with <c>unavailable</c>).</summary>
    public Task<bool> Queue(Func<ChannelState, ChannelChange?> apply)
    {
        var pending = new PendingChange(apply);
        _changes.Add(pending);
        return pending.Done.Task;
    }

    /// <summary>
    /// The change of a tail message, for <see cref="Queue"/>: it does not apply (null) when the message is not in the tail (sealed into a page, where the page grain changes it).
    /// <paramref name="change"/> sees the message as it is then; returning the same instance means "nothing to change".
    /// <paramref name="followUps"/> names what the change owes, given the message before it. The changed message is
    /// stored in the channel's record with its follow-ups; if its words changed, its journal row is rewritten after.
    /// </summary>
    public Func<ChannelState, ChannelChange?> InTail(long seq, Func<ChatMessage, ChatMessage> change, Func<ChatMessage, IReadOnlyList<FollowUp?>>? followUps = null) =>
        state =>
        {
            if (compaction.IndexOf(seq) is not (>= 0 and var index))
            {
                return null;
            }

            var before = compaction.Tail[index];
            var after = change(before);
            if (ReferenceEquals(before, after))
            {
                return ChannelChange.Nothing;
            }

            var hadOverride = state.Changed.TryGetValue(seq, out var previousOverride);
            compaction.Replace(index, after);
            state.Changed[seq] = after;
            var rewrite = after.Text != before.Text || after.Removed != before.Removed || !ReferenceEquals(after.Attachments, before.Attachments);
            if (rewrite)
            {
                _rewrites.Add(after);
            }

            return new ChannelChange(() =>
            {
                compaction.Replace(index, before);
                if (hadOverride)
                {
                    state.Changed[seq] = previousOverride!;
                }
                else
                {
                    state.Changed.Remove(seq);
                }

                if (rewrite)
                {
                    _rewrites.Remove(after);
                }
            }, followUps?.Invoke(before) ?? []);
        };

    /// <summary>Refuses every queued change (the writer failed).</summary>
    public void RefuseAll(Exception refused)
    {
        foreach (var change in _changes)
        {
            change.Done.TrySetException(refused);
        }

        _changes.Clear();
    }

    /// <summary>Applies the queued changes and stores them (with their follow-ups) in one write of the channel's record.</summary>
    public async Task Store()
    {
        if (_changes.Count == 0)
        {
            return;
        }

        var changes = new List<PendingChange>(_changes);
        _changes.Clear();
        var undo = ApplyChanges(changes);
        if (!changes.Exists(c => c.Applied))
        {
            foreach (var change in changes)
            {
                change.Done.TrySetResult(false);
            }

            return;
        }

        try
        {
            await outbox.Store();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            for (var i = undo.Count - 1; i >= 0; i--)
            {
                undo[i]();
            }

            LogChangeFailed(logger, ex, key.ToString(), changes.Count);
            if (ex is InconsistentStateException)
            {
                // Another activation wrote this channel: this one's state is stale, so let a fresh activation take over.
                deactivate();
            }

            foreach (var change in changes)
            {
                change.Done.TrySetException(new CommunityException(ErrorCodes.Unavailable, "The change could not be stored; retry."));
            }

            return;
        }

        foreach (var change in changes)
        {
            change.Done.TrySetResult(change.Applied);
        }

        await RewriteJournalRows();
    }

    private List<Action> ApplyChanges(List<PendingChange> changes)
    {
        var undo = NoUndo;
        foreach (var change in changes)
        {
            if (change.Apply(S) is not { } applied)
            {
                continue;
            }

            change.Applied = true;
            if (undo == NoUndo)
            {
                undo = [];
            }

            if (applied.Undo is { } undoChange)
            {
                undo.Add(undoChange);
            }

            var owed = outbox.AddRange(applied.FollowUps);
            if (owed.Count > 0)
            {
                undo.Add(() => outbox.Discard(owed));
            }
        }

        return undo;
    }

    /// <summary>
    /// The journal must not keep words the channel no longer shows (an erasure, a removal, an edit): their rows are
    /// rewritten once the change is stored. If that fails, the stored change still wins on every read, and the page
    /// that seals the message replaces the row.
    /// </summary>
    private async Task RewriteJournalRows()
    {
        if (_rewrites.Count == 0)
        {
            return;
        }

        var rows = _rewrites.ToList();
        _rewrites.Clear();
        try
        {
            await journal.Replace(compaction.Address, rows);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRewriteFailed(logger, ex, key.ToString(), rows.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing {Count} changes of channel {Channel} failed; they were refused")]
    private static partial void LogChangeFailed(ILogger logger, Exception ex, string channel, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rewriting {Count} journal rows of channel {Channel} failed; the stored change still wins, and sealing replaces them")]
    private static partial void LogRewriteFailed(ILogger logger, Exception ex, string channel, int count);

    private sealed class PendingChange(Func<ChannelState, ChannelChange?> apply)
    {
        public Func<ChannelState, ChannelChange?> Apply { get; } = apply;

        public bool Applied { get; set; }

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

}
