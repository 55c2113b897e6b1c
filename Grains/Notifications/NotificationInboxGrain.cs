using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommunityScale.Notifications;

[GenerateSerializer, Alias("cs.NotificationInboxState")]
public sealed class NotificationInboxState
{
    [Id(0)] public long LastId { get; set; }

    [Id(1)] public long ReadThroughId { get; set; }

    /// <summary>The newest notices, oldest first: at most <see cref="NotificationInboxGrain.RecentCapacity"/> (older ones are in <see cref="NotificationArchiveState"/>).</summary>
    [Id(2)] public List<Notification> Items { get; set; } = [];

    [Id(3)] public HashSet<string> Muted { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Whether older notices were moved to the user's <see cref="NotificationArchiveGrain"/> (a fresh inbox never calls it).</summary>
    [Id(4)] public bool HasArchive { get; set; }
}

/// <summary>The inbox's older notices, oldest first: written only when the newest overflow into them.</summary>
[GenerateSerializer, Alias("cs.NotificationArchiveState")]
public sealed class NotificationArchiveState
{
    [Id(0)] public List<Notification> Items { get; set; } = [];
}

/// <summary>
/// A user's notifications: stored first, then published once on the user's <c>member</c> stream, so a notice the live
/// push drops is still in the inbox when the client next reads it. Bounded: the oldest notices give way.
/// </summary>
/// <remarks>
/// Kept in two records because each is written whole: a notice rewrites only the newest (at most
/// <see cref="RecentCapacity"/>), and every <see cref="RecentCapacity"/> / 2 notices the older half of them moves to the
/// archive (a grain of its own, <see cref="NotificationArchiveGrain"/>: Orleans' Redis storage keys a record by grain,
/// not by state name) in one more write. With one record, a full inbox rewrote all 200 notices (≈ 26 KB) for each new
/// one. The archive is written before the newest lose what moved, so a crash between the two leaves a notice in both,
/// which reads count once.
/// </remarks>
public sealed partial class NotificationInboxGrain(
    [PersistentState("inbox", StorageNames.Main)] IPersistentState<NotificationInboxState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    ILogger<NotificationInboxGrain> logger) : Grain, INotificationInboxGrain
{
    private readonly StateWriter<NotificationInboxState> _writer = new(state);
    private List<Notification>? _archived;

    public const int Capacity = 200;

    public const int RecentCapacity = 32;

    private INotificationArchiveGrain ArchiveGrain => GrainFactory.GetGrain<INotificationArchiveGrain>(this.GetPrimaryKeyString());

    /// <summary>The archived notices, read once per activation (this grain is their only writer).</summary>
    private async Task<List<Notification>> Archived() =>
        _archived ??= _writer.State.HasArchive ? [.. await ArchiveGrain.Get()] : [];

    /// <summary>
    /// The newest <see cref="Capacity"/> notices, oldest first (one that a crash left in both records counts once). The
    /// records hold up to <see cref="RecentCapacity"/> / 2 more until the next move trims the archive.
    /// </summary>
    private async Task<List<Notification>> All()
    {
        var recent = _writer.State.Items;
        var all = (await Archived()).Where(n => recent.Count == 0 || n.Id < recent[0].Id).Concat(recent).ToList();
        return all[Math.Max(0, all.Count - Capacity)..];
    }

    private Orleans.Streams.IAsyncStream<MemberStreamEvent>? _memberStream;

    public async Task<Notification?> Post(NotificationDraft draft) => await PostAll([draft]) is [var notification] ? notification : null;

    public async Task<IReadOnlyList<Notification>> PostAll(IReadOnlyList<NotificationDraft> drafts)
    {
        var kept = new List<Notification>();
        var added = new List<Notification>();
        var all = await All();
        foreach (var draft in drafts.Where(d => !_writer.State.Muted.Contains(d.Kind)))
        {
            // Sources are unique within a community (thread "1" exists in many), so the pair identifies a notice.
            if (all.Concat(added).FirstOrDefault(n => n.SourceId == draft.SourceId && n.CommunityId == draft.CommunityId) is { } earlier)
            {
                kept.Add(earlier);
                continue;
            }

            var notification = new Notification(_writer.State.LastId + 1, draft.CommunityId, draft.Kind, draft.Text, clock.GetUtcNow(), draft.SourceId);
            _writer.State.Items.Add(notification);
            _writer.State.LastId = notification.Id;
            kept.Add(notification);
            added.Add(notification);
        }

        if (added.Count == 0)
        {
            return kept;
        }

        try
        {
            await MoveOlderToArchive();
            await _writer.Write();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Memory must not run ahead of storage: a sender's retry would find the notice and take it as stored. The
            // next activation reads what was.
            DeactivateOnIdle();
            throw;
        }

        foreach (var notification in added)
        {
            await Publish(notification);
        }

        return kept;
    }

    /// <summary>Beyond <see cref="RecentCapacity"/>, the newest keep half of that and the rest joins the archive, trimmed to <see cref="Capacity"/> in all.</summary>
    private async Task MoveOlderToArchive()
    {
        var recent = _writer.State.Items;
        if (recent.Count <= RecentCapacity)
        {
            return;
        }

        var moving = recent.Count - RecentCapacity / 2;
        var archived = (await Archived()).Where(n => n.Id < recent[0].Id).Concat(recent.Take(moving)).ToList();
        archived = archived[Math.Max(0, archived.Count - (Capacity - (recent.Count - moving)))..];
        await ArchiveGrain.Store(archived);
        (_archived, _writer.State.HasArchive) = (archived, true);
        recent.RemoveRange(0, moving);
    }

    private async Task Publish(Notification notification)
    {
        try
        {
            _memberStream ??= this.GetStreamProvider(StreamNames.Provider).GetStream<MemberStreamEvent>(
                StreamNames.ForMember(await GrainFactory.GetGrain<Communities.IUserAccountGrain>(this.GetPrimaryKeyString()).GetStreamKey()));
            await _memberStream.OnNextAsync(new NotificationPosted(notification));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPublishFailed(logger, ex, this.GetPrimaryKeyString(), notification.Id);
        }
    }

    public async Task<NotificationPage> List(long? before, int limit)
    {
        var all = await All();
        var items = all.Where(n => before is null || n.Id < before).Reverse().Take(limit).ToList();
        var hasOlder = items.Count > 0 && all[0].Id < items[^1].Id;
        return new NotificationPage(items, Unread(all), hasOlder ? items[^1].Id : null);
    }

    public async Task<IReadOnlyList<Notification>> ListCommunity(string communityId) => [.. (await All()).Where(n => n.CommunityId == communityId)];

    public async Task Forget(string communityId, IReadOnlyList<string>? sourceIds)
    {
        bool Forgotten(Notification n) => n.CommunityId == communityId && (sourceIds is null || sourceIds.Any(s => Matches(s, n.SourceId)));
        // The remembered copy changes only once the archive has stored the change: a failed store must leave the
        // erased notices visible here, so that the retried erasure finds them and stores again.
        var archived = await Archived();
        var remaining = archived.Where(n => !Forgotten(n)).ToList();
        if (remaining.Count < archived.Count)
        {
            await (remaining.Count == 0 ? ArchiveGrain.Clear() : ArchiveGrain.Store(remaining));
            (_archived, archived) = (remaining, remaining);
        }

        var recent = _writer.State.Items;
        if (recent.RemoveAll(Forgotten) > 0 || (_writer.State.HasArchive && archived.Count == 0))
        {
            _writer.State.HasArchive = archived.Count > 0;
            // The inbox is deleted once empty: an erased member's user id is not left behind as a record's key.
            await (recent.Count == 0 && archived.Count == 0 && _writer.State.Muted.Count == 0 ? _writer.Clear() : _writer.Write());
        }
    }

    /// <summary>A source ending in ':' names every source it begins (e.g. all the status notices of one idea).</summary>
    private static bool Matches(string source, string sourceId) =>
        source.EndsWith(':') ? sourceId.StartsWith(source, StringComparison.Ordinal) : sourceId == source;

    public async Task<int> MarkRead(long upToId)
    {
        var through = Math.Min(upToId, _writer.State.LastId);
        if (through > _writer.State.ReadThroughId)
        {
            _writer.State.ReadThroughId = through;
            await _writer.Write();
        }

        return Unread(await All());
    }

    public Task<IReadOnlyList<string>> GetMuted() => Task.FromResult<IReadOnlyList<string>>([.. _writer.State.Muted.Order(StringComparer.Ordinal)]);

    public async Task<IReadOnlyList<string>> SetMuted(IReadOnlyList<string> kinds)
    {
        var muted = new HashSet<string>(kinds ?? [], StringComparer.Ordinal);
        if (muted.FirstOrDefault(k => !NotificationKinds.Optional.Contains(k, StringComparer.Ordinal)) is { } refused)
        {
            throw Errors.CommunityException.Invalid(
                $"'{(refused.Length > 40 ? refused[..40] : refused)}' cannot be turned off; these can: {string.Join(", ", NotificationKinds.Optional)}.");
        }

        _writer.State.Muted = muted;
        await _writer.Write();
        return await GetMuted();
    }

    private int Unread(List<Notification> all) => all.Count(n => n.Id > _writer.State.ReadThroughId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing notification {Id} to {User} failed; it waits in the inbox")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string user, long id);
}

/// <summary>A user's older notices (see <see cref="NotificationInboxGrain"/>), replaced whole by the inbox, their only writer.</summary>
public sealed class NotificationArchiveGrain(
    [PersistentState("inbox-archive", StorageNames.Main)] IPersistentState<NotificationArchiveState> state) : Grain, INotificationArchiveGrain
{
    private readonly StateWriter<NotificationArchiveState> _writer = new(state);

    public Task<IReadOnlyList<Notification>> Get() => Task.FromResult<IReadOnlyList<Notification>>(_writer.State.Items);

    public Task Store(IReadOnlyList<Notification> items)
    {
        _writer.State.Items = [.. items];
        return _writer.Write();
    }

    public Task Clear()
    {
        _writer.State.Items = [];
        return _writer.Clear();
    }
}
