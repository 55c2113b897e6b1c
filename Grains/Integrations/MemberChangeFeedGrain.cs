using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommunityScale.Integrations;

[GenerateSerializer, Alias("cs.MemberChangeFeedState")]
public sealed class MemberChangeFeedState
{
    [Id(0)] public long LastSeq { get; set; }

    /// <summary>user → (seq of their latest change, when).</summary>
    [Id(1)] public Dictionary<string, MemberChangeMark> Latest { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The marks made since the feed's last full write (<see cref="MemberChangeFeedState"/>), stored on their own so that a
/// flush writes what changed, not every member the community ever had.
/// </summary>
[GenerateSerializer, Alias("cs.MemberChangeFeedRecent")]
public sealed class MemberChangeFeedRecent
{
    [Id(0)] public Dictionary<string, MemberChangeMark> Marks { get; set; } = new(StringComparer.Ordinal);
}

[GenerateSerializer, Immutable, Alias("cs.MemberChangeMark")]
public sealed record MemberChangeMark([property: Id(0)] long Seq, [property: Id(1)] DateTimeOffset At);

/// <summary>
/// The CRM change feed. Member and points grains mark their changes through their silo's <c>GatheredUpdates</c> (one
/// <see cref="TouchMany"/> per community per <c>Points:BoardDelay</c>); it keeps one mark per member (so
/// it is bounded by the member count, not by activity) and an ordered index of the marks in memory. Marks are written
/// behind, at most once a second: a crash can lose the last second's marks, never a member's data, and that member
/// reappears with their next change. A flush writes only the marks made since the last full write (<c>member-changes-recent</c>);
/// the full set (<c>member-changes</c>) is written again when those partial writes have cost as much as it
/// (<see cref="SnapshotRule"/>), so a busy community of 100,000 members does not rewrite 100,000 marks every second.
/// Activation reads both, and the later mark of a member wins.
/// </summary>
public sealed partial class MemberChangeFeedGrain(
    [PersistentState("member-changes", StorageNames.Main)] IPersistentState<MemberChangeFeedState> state,
    [PersistentState("member-changes-recent", StorageNames.Main)] IPersistentState<MemberChangeFeedRecent> recent,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    ILogger<MemberChangeFeedGrain> logger) : Grain, IMemberChangeFeedGrain
{
    private readonly SortedDictionary<long, string> _bySeq = [];
    private readonly StateWriter<MemberChangeFeedState> _writer = new(state);
    private readonly StateWriter<MemberChangeFeedRecent> _recentWriter = new(recent);
    private WriteBehind? _writeBehind;

    /// <summary>Marks written in partial writes since the last full write: what they cost so far.</summary>
    private long _partialMarksWritten;

    private WriteBehind Writes => _writeBehind ??= new(this, _ => Write(), ex => LogFlushFailed(logger, ex, CommunityId));

    private MemberChangeFeedState S => _writer.State;

    private Dictionary<string, MemberChangeMark> Recent => _recentWriter.State.Marks;

    private string CommunityId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A partial write that a full write has since covered is still stored (the next partial write replaces it): its
        // marks are older than or equal to the full set's, so the later mark of each member is the one kept.
        foreach (var (user, mark) in Recent)
        {
            if (!S.Latest.TryGetValue(user, out var full) || full.Seq < mark.Seq)
            {
                S.Latest[user] = mark;
            }

            S.LastSeq = Math.Max(S.LastSeq, mark.Seq);
        }

        foreach (var (user, mark) in S.Latest)
        {
            _bySeq[mark.Seq] = user;
        }

        _partialMarksWritten = Recent.Count;
        return Task.CompletedTask;
    }

    public Task TouchMany(IReadOnlyList<string> userIds)
    {
        foreach (var userId in userIds)
        {
            Mark(userId);
        }

        Writes.Changed();
        return Task.CompletedTask;
    }

    public Task Erased(string userId)
    {
        Mark(userId);
        return Writes.WriteNow();
    }

    private void Mark(string userId)
    {
        if (S.Latest.TryGetValue(userId, out var previous))
        {
            _bySeq.Remove(previous.Seq);
        }

        var seq = ++S.LastSeq;
        var mark = new MemberChangeMark(seq, clock.GetUtcNow());
        S.Latest[userId] = mark;
        Recent[userId] = mark;
        _bySeq[seq] = userId;
    }

    private async Task Write()
    {
        if (!SnapshotRule.TimeForFullWrite(S.Latest.Count, _partialMarksWritten, Recent.Count))
        {
            await _recentWriter.Write();
            _partialMarksWritten += Recent.Count;
            return;
        }

        await _writer.Write();
        Recent.Clear();
        _partialMarksWritten = 0;
    }

    public async Task<MemberChangePage> Read(long since, int limit, Actor caller, bool viaToken)
    {
        if (since < 0 || limit is < 1 or > 500)
        {
            throw CommunityException.Invalid("since must not be negative and limit must be between 1 and 500.");
        }

        if (!viaToken)
        {
            await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only admins and the owner (or a members:read token) read the change feed.");
        }

        var page = _bySeq.Where(e => e.Key > since).Take(limit + 1).ToList();
        var items = await Task.WhenAll(page.Take(limit).Select(async e =>
        {
            var key = new MemberKey(CommunityId, e.Value);
            var member = await GrainFactory.Member(key).Get();
            var points = member is null ? null : await GrainFactory.MemberPoints(key).GetProfile();
            return new MemberChange(e.Key, e.Value, member is null ? "erased" : "upsert", S.Latest[e.Value].At, member, points);
        }));
        var next = items.Length > 0 ? items[^1].Seq : Math.Max(since, 0);
        return new MemberChangePage(items, next, page.Count > limit);
    }

    public Task<(IReadOnlyList<string> UserIds, long Next)> Members(long after, int limit)
    {
        var page = _bySeq.Where(e => e.Key > after).Take(Math.Clamp(limit, 1, 1_000)).ToList();
        return Task.FromResult<(IReadOnlyList<string>, long)>(([.. page.Select(e => e.Value)], page.Count > 0 ? page[^1].Key : after));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Writes.Flush(cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the member change feed of {Community} failed; will retry")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, string community);
}
