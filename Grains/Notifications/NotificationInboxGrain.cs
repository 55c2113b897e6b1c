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

    /// <summary>Oldest first, at most <see cref="NotificationInboxGrain.Capacity"/>.</summary>
    [Id(2)] public List<Notification> Items { get; set; } = [];

    [Id(3)] public HashSet<string> Muted { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A user's notifications: stored first, then published once on the user's <c>member</c> stream, so a notice the live
/// push drops is still in the inbox when the client next reads it. Bounded: the oldest notices give way.
/// </summary>
public sealed partial class NotificationInboxGrain(
    [PersistentState("inbox", StorageNames.Main)] IPersistentState<NotificationInboxState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    ILogger<NotificationInboxGrain> logger) : Grain, INotificationInboxGrain
{
    private readonly StateWriter<NotificationInboxState> _writer = new(state);

    public const int Capacity = 200;

    private Orleans.Streams.IAsyncStream<MemberStreamEvent>? _memberStream;

    public async Task<Notification?> Post(NotificationDraft draft) => await PostAll([draft]) is [var notification] ? notification : null;

    public async Task<IReadOnlyList<Notification>> PostAll(IReadOnlyList<NotificationDraft> drafts)
    {
        var kept = new List<Notification>();
        var added = new List<Notification>();
        foreach (var draft in drafts.Where(d => !_writer.State.Muted.Contains(d.Kind)))
        {
            // Sources are unique within a community (thread "1" exists in many), so the pair identifies a notice.
            if (_writer.State.Items.Find(n => n.SourceId == draft.SourceId && n.CommunityId == draft.CommunityId) is { } earlier)
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

        if (_writer.State.Items.Count > Capacity)
        {
            _writer.State.Items.RemoveRange(0, _writer.State.Items.Count - Capacity);
        }

        try
        {
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

    public Task<NotificationPage> List(long? before, int limit)
    {
        var items = _writer.State.Items.Where(n => before is null || n.Id < before).Reverse().Take(limit).ToList();
        var hasOlder = items.Count > 0 && _writer.State.Items[0].Id < items[^1].Id;
        return Task.FromResult(new NotificationPage(items, Unread(), hasOlder ? items[^1].Id : null));
    }

    public Task<IReadOnlyList<Notification>> ListCommunity(string communityId) =>
        Task.FromResult<IReadOnlyList<Notification>>([.. _writer.State.Items.Where(n => n.CommunityId == communityId)]);

    public async Task Forget(string communityId, IReadOnlyList<string>? sourceIds)
    {
        var removed = _writer.State.Items.RemoveAll(n => n.CommunityId == communityId && (sourceIds is null || sourceIds.Any(s => Matches(s, n.SourceId))));
        if (removed == 0)
        {
            return;
        }

        if (_writer.State.Items.Count == 0 && _writer.State.Muted.Count == 0)
        {
            await _writer.Clear();
            return;
        }

        await _writer.Write();
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

        return Unread();
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

    private int Unread() => _writer.State.Items.Count(n => n.Id > _writer.State.ReadThroughId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing notification {Id} to {User} failed; it waits in the inbox")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string user, long id);
}
