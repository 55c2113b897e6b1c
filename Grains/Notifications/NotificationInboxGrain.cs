using CommunityScale.Options;
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
    public const int Capacity = 200;

    private Orleans.Streams.IAsyncStream<MemberStreamEvent>? _memberStream;

    public async Task<Notification?> Post(NotificationDraft draft)
    {
        if (state.State.Muted.Contains(draft.Kind))
        {
            return null;
        }

        // Sources are unique within a community (thread "1" exists in many), so the pair identifies a notice.
        if (state.State.Items.Find(n => n.SourceId == draft.SourceId && n.CommunityId == draft.CommunityId) is { } earlier)
        {
            return earlier;
        }

        var notification = new Notification(state.State.LastId + 1, draft.CommunityId, draft.Kind, draft.Text, clock.GetUtcNow(), draft.SourceId);
        state.State.Items.Add(notification);
        state.State.LastId = notification.Id;
        if (state.State.Items.Count > Capacity)
        {
            state.State.Items.RemoveRange(0, state.State.Items.Count - Capacity);
        }

        await state.WriteStateAsync();
        try
        {
            _memberStream ??= this.GetStreamProvider(StreamNames.Provider).GetStream<MemberStreamEvent>(
                StreamNames.ForMember(await GrainFactory.GetGrain<Communities.IUserAccountGrain>(this.GetPrimaryKeyString()).GetStreamKey()));
            await _memberStream
                .OnNextAsync(new NotificationPosted(notification));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPublishFailed(logger, ex, this.GetPrimaryKeyString(), notification.Id);
        }

        return notification;
    }

    public Task<NotificationPage> List(long? before, int limit)
    {
        var items = state.State.Items.Where(n => before is null || n.Id < before).Reverse().Take(limit).ToList();
        var hasOlder = items.Count > 0 && state.State.Items[0].Id < items[^1].Id;
        return Task.FromResult(new NotificationPage(items, Unread(), hasOlder ? items[^1].Id : null));
    }

    public Task<IReadOnlyList<Notification>> ListCommunity(string communityId) =>
        Task.FromResult<IReadOnlyList<Notification>>([.. state.State.Items.Where(n => n.CommunityId == communityId)]);

    public async Task Forget(string communityId, IReadOnlyList<string>? sourceIds)
    {
        var removed = state.State.Items.RemoveAll(n => n.CommunityId == communityId && (sourceIds is null || sourceIds.Any(s => Matches(s, n.SourceId))));
        if (removed == 0)
        {
            return;
        }

        if (state.State.Items.Count == 0 && state.State.Muted.Count == 0)
        {
            await state.ClearStateAsync();
            return;
        }

        await state.WriteStateAsync();
    }

    /// <summary>A source ending in ':' names every source it begins (e.g. all the status notices of one idea).</summary>
    private static bool Matches(string source, string sourceId) =>
        source.EndsWith(':') ? sourceId.StartsWith(source, StringComparison.Ordinal) : sourceId == source;

    public async Task<int> MarkRead(long upToId)
    {
        var through = Math.Min(upToId, state.State.LastId);
        if (through > state.State.ReadThroughId)
        {
            state.State.ReadThroughId = through;
            await state.WriteStateAsync();
        }

        return Unread();
    }

    public Task<IReadOnlyList<string>> GetMuted() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Muted.Order(StringComparer.Ordinal)]);

    public async Task<IReadOnlyList<string>> SetMuted(IReadOnlyList<string> kinds)
    {
        var muted = new HashSet<string>(kinds ?? [], StringComparer.Ordinal);
        if (muted.FirstOrDefault(k => !NotificationKinds.Optional.Contains(k, StringComparer.Ordinal)) is { } refused)
        {
            throw Errors.CommunityException.Invalid(
                $"'{(refused.Length > 40 ? refused[..40] : refused)}' cannot be turned off; these can: {string.Join(", ", NotificationKinds.Optional)}.");
        }

        state.State.Muted = muted;
        await state.WriteStateAsync();
        return await GetMuted();
    }

    private int Unread() => state.State.Items.Count(n => n.Id > state.State.ReadThroughId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing notification {Id} to {User} failed; it waits in the inbox")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex, string user, long id);
}
