using CommunityScale.Communities;
using CommunityScale.Gamification;
using CommunityScale.Privacy;
using CommunityScale.Streams;

namespace CommunityScale.Chat;

/// <summary>
/// What one channel holds about a member (its tail, sealed pages and reaction pages), for the export and the erasure,
/// and the retention purge that turns old messages into tombstones. Every change of the tail goes through the channel's
/// <see cref="ChannelWriter"/>; pages are changed by their own grains.
/// </summary>
public sealed class ChannelMemberData(IGrainFactory grains, ChannelKey key, Func<ChannelState> state, ChannelWriter writer,
    Func<ChannelStreamEvent, long, Task> publish)
{
    private ChannelState S => state();

    private HistoryLayout Layout => new(S.PageSize);

    public async Task<MemberTrace> Collect(string userId)
    {
        var traces = new List<MemberTrace> { MemberTrace.Empty with { Messages = [.. writer.Tail.Where(m => m.AuthorId == userId)] } };
        foreach (var page in SealedPages())
        {
            traces.Add(await grains.HistoryPage(key, page).CollectMember(userId));
        }

        foreach (var page in ReactionPages())
        {
            traces.Add(await grains.MessageReactions(key, page).CollectMember(userId));
        }

        var all = MemberTrace.MergeAll(traces);
        return all with { Messages = [.. all.Messages.DistinctBy(m => m.Seq).OrderBy(m => m.Seq)] };
    }

    /// <summary>
    /// The member's messages become tombstones (the tail first, then the sealed pages, so a message sealed meanwhile is
    /// caught on its page), everyone sees them removed, mentions of them become the pseudonym, and the reactor lists
    /// forget them (the authors they reacted to remember the pseudonym instead).
    /// </summary>
    public async Task Erase(string userId, string pseudonym)
    {
        foreach (var seq in writer.Tail.Where(m => m.AuthorId == userId).Select(m => m.Seq).ToList())
        {
            await writer.ChangeInTail(seq, m => m.AuthorId == userId ? Tombstones.Of(m) : m);
            await publish(new MessageRemoved(new MessageRemovedNotice(key.CommunityId, key.ChannelId, seq, "")), seq);
        }

        var names = new Pseudonym(userId, "", pseudonym);
        foreach (var mention in writer.Tail.Where(m => m.AuthorId != userId && names.Scrub(m.Text) != m.Text).Select(m => m.Seq).ToList())
        {
            await writer.ChangeInTail(mention, m => Tombstones.WithoutMention(m, names.Scrub));
        }

        foreach (var page in SealedPages())
        {
            await grains.HistoryPage(key, page).EraseMember(userId, pseudonym);
        }

        foreach (var page in ReactionPages())
        {
            var reactions = grains.MessageReactions(key, page);
            await ForgetReactorInPoints((await reactions.CollectMember(userId)).Reactions, userId, pseudonym);
            await reactions.EraseMember(userId, pseudonym);
        }
    }

    /// <summary>Retention: messages sent before <paramref name="before"/> become tombstones; returns how many were purged.</summary>
    public async Task<int> Purge(DateTimeOffset before)
    {
        var purged = 0;
        foreach (var seq in writer.Tail.Where(m => m.SentAt < before && m.AuthorId.Length > 0).Select(m => m.Seq).ToList())
        {
            purged += await writer.ChangeInTail(seq, m => m.SentAt < before ? Tombstones.Of(m) : m) ? 1 : 0;
        }

        while (S.SealedThroughSeq > 0 && S.PurgedBeforePage <= Layout.PageIndexOf(S.SealedThroughSeq))
        {
            var page = S.PurgedBeforePage;
            if (!await grains.HistoryPage(key, page).Purge(before))
            {
                break;
            }

            await grains.MessageReactions(key, page).ClearThrough(Layout.FirstSeqOf(page + 1) - 1);
            await writer.Change(s =>
            {
                var previous = s.PurgedBeforePage;
                s.PurgedBeforePage = Math.Max(previous, page + 1);
                return new ChannelChange(() => s.PurgedBeforePage = previous, []);
            });
            purged += S.PageSize;
        }

        return purged;
    }

    /// <summary>The authors the member reacted to remember them for farming checks: they get the pseudonym instead.</summary>
    private async Task ForgetReactorInPoints(IReadOnlyList<ReactionGiven> reactions, string userId, string pseudonym)
    {
        var authors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reaction in reactions)
        {
            var message = writer.Tail.FirstOrDefault(m => m.Seq == reaction.Seq)
                ?? (await grains.HistoryPage(key, Layout.PageIndexOf(reaction.Seq)).Read()).FirstOrDefault(m => m.Seq == reaction.Seq);
            if (message is { AuthorId.Length: > 0 })
            {
                authors.Add(message.AuthorId);
            }
        }

        foreach (var author in authors)
        {
            await grains.MemberPoints(key.CommunityId, author).ForgetReactor(userId, pseudonym);
        }
    }

    private IEnumerable<long> SealedPages() => S.SealedThroughSeq == 0 ? [] : LongRange(0, Layout.PageIndexOf(S.SealedThroughSeq));

    private IEnumerable<long> ReactionPages() => writer.CommittedSeq == 0 ? [] : LongRange(0, Layout.PageIndexOf(writer.CommittedSeq));

    private static IEnumerable<long> LongRange(long first, long last)
    {
        for (var i = first; i <= last; i++)
        {
            yield return i;
        }
    }
}
