using CommunityScale.Communities;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Posting;
using CommunityScale.Threads;

namespace CommunityScale.FollowUps;

/// <summary>
/// Something a grain owes others after a change it stored: recorded in the grain's own state in the same write as the
/// change (see <see cref="Outbox"/>), then delivered at least once. Every receiver is idempotent on what the follow-up
/// carries (a points source, a notice's source, a webhook event id, an audit source, a versioned summary, a document
/// key), so a delivery repeated after a crash changes nothing. <see cref="Id"/> is unique across the cluster: the owner's
/// key and a number the owner never reuses.
/// </summary>
[GenerateSerializer, Alias("cs.FollowUp")]
public abstract record FollowUp
{
    [Id(0)] public string Id { get; init; } = "";

    /// <summary>The owner's running number of this follow-up: delivery order, and whether it has been stored yet.</summary>
    [Id(1)] public long Number { get; init; }

    /// <summary>Hands the follow-up to its receiver; throws when it did not arrive (the outbox tries again).</summary>
    public abstract Task Deliver(IGrainFactory grains);
}

/// <summary>Points for what a member did (idempotent on each event's source id).</summary>
[GenerateSerializer, Alias("cs.fu.AwardPoints")]
public sealed record AwardPoints([property: Id(0)] IReadOnlyList<ActivityEvent> Events) : FollowUp
{
    public override Task Deliver(IGrainFactory grains) =>
        grains.MemberPoints(Events[0].CommunityId, Events[0].UserId).Record(Events);
}

/// <summary>What removed content earned goes (taking back an unknown or already taken source does nothing).</summary>
[GenerateSerializer, Alias("cs.fu.TakeBackPoints")]
public sealed record TakeBackPoints([property: Id(0)] string CommunityId, [property: Id(1)] string UserId, [property: Id(2)] IReadOnlyList<string> Sources)
    : FollowUp
{
    public override async Task Deliver(IGrainFactory grains)
    {
        var points = grains.MemberPoints(CommunityId, UserId);
        foreach (var source in Sources)
        {
            await points.TakeBack(source);
        }
    }
}

/// <summary>Several notices to one member (what one batch of awards earned): one delivery and one write of their inbox.</summary>
[GenerateSerializer, Alias("cs.fu.SendMemberNotices")]
public sealed record SendMemberNotices([property: Id(0)] string UserId, [property: Id(1)] IReadOnlyList<NotificationDraft> Drafts) : FollowUp
{
    public override Task Deliver(IGrainFactory grains) => grains.GetGrain<INotificationInboxGrain>(UserId).PostAll(Drafts);
}

/// <summary>
/// One notice to a few members (the inbox keeps one notice per community and source). With <see cref="ViewPlace"/> (a
/// forum category), only those who may view that place when it is delivered get it: a notice quotes what it is about.
/// </summary>
[GenerateSerializer, Alias("cs.fu.SendNotices")]
public sealed record SendNotices([property: Id(0)] IReadOnlyList<string> UserIds, [property: Id(1)] NotificationDraft Draft,
    [property: Id(2)] string? ViewPlace = null) : FollowUp
{
    /// <summary>Recipients per follow-up: a thread with thousands of followers becomes many small deliveries, each retried alone.</summary>
    public const int MaxRecipients = 64;

    public override async Task Deliver(IGrainFactory grains)
    {
        var recipients = ViewPlace is { } place ? await Viewers(grains, place) : UserIds;
        await Task.WhenAll(recipients.Select(u => grains.GetGrain<INotificationInboxGrain>(u).Post(Draft)));
    }

    /// <summary>The notices for many recipients, <see cref="MaxRecipients"/> to a follow-up.</summary>
    public static IEnumerable<SendNotices> For(IEnumerable<string> userIds, NotificationDraft draft, string? viewPlace = null) =>
        userIds.Distinct(StringComparer.Ordinal).Chunk(MaxRecipients).Select(chunk => new SendNotices(chunk, draft, viewPlace));

    // Where anyone signed in may view (no override, a public community), nobody needs looking up: the common case costs nothing.
    private async Task<IReadOnlyList<string>> Viewers(IGrainFactory grains, string place)
    {
        var rules = await grains.GetGrain<Access.ICommunityAccessGrain>(Draft.CommunityId).GetRules();
        if (Access.PermissionResolver.AnyoneViews(rules, place))
        {
            return UserIds;
        }

        var members = await Task.WhenAll(UserIds.Select(u => grains.Member(Draft.CommunityId, u).Get()));
        return [.. UserIds.Where((_, i) => Access.PermissionResolver.Resolve(rules, members[i], [place]).HasFlag(Access.Permissions.View))];
    }
}

/// <summary>A webhook event (endpoints drop an event id they already hold): its id is this follow-up's.</summary>
[GenerateSerializer, Alias("cs.fu.RaiseWebhook")]
public sealed record RaiseWebhook([property: Id(0)] string CommunityId, [property: Id(1)] string Kind, [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string Data, [property: Id(4)] string? ChannelId = null, [property: Id(5)] string? CategoryId = null) : FollowUp
{
    public override Task Deliver(IGrainFactory grains) =>
        grains.GetGrain<IWebhookRegistryGrain>(CommunityId).Hand([new WebhookEvent(Id, Kind, CommunityId, At, Data, ChannelId, CategoryId)]);

    /// <summary>
    /// An event; <paramref name="channelId"/> or <paramref name="categoryId"/> names the channel or forum category it comes
    /// from, so only endpoints whose creator may view it get it.
    /// </summary>
    public static RaiseWebhook Of(string communityId, string kind, DateTimeOffset at, object data, string? channelId = null, string? categoryId = null) =>
        new(communityId, kind, at, WebhookPayload.Data(data), channelId, categoryId);
}

/// <summary>An audit entry (the log drops a source it already appended).</summary>
[GenerateSerializer, Alias("cs.fu.AppendAudit")]
public sealed record AppendAudit([property: Id(0)] string CommunityId, [property: Id(1)] string Actor, [property: Id(2)] string Action,
    [property: Id(3)] string Target, [property: Id(4)] string Reason) : FollowUp
{
    public override Task Deliver(IGrainFactory grains) =>
        grains.GetGrain<IAuditLogGrain>(CommunityId).AppendOnce(Id, Actor, Action, Target, Reason);
}

/// <summary>A forum response time for the KPIs, tagged with the asker's profile (a sample's key makes a repeat replace it).</summary>
[GenerateSerializer, Alias("cs.fu.RecordResponseTime")]
public sealed record RecordResponseTime([property: Id(0)] string CommunityId, [property: Id(1)] string ThreadId, [property: Id(2)] string AskerId,
    [property: Id(3)] string Kind, [property: Id(4)] DateTimeOffset AskedAt, [property: Id(5)] DateTimeOffset At) : FollowUp
{
    public override async Task Deliver(IGrainFactory grains)
    {
        var asker = await grains.Member(CommunityId, AskerId).Get();
        var day = DateOnly.FromDateTime(At.UtcDateTime);
        await grains.KpiWeek(new KpiWeekKey(CommunityId, KpiMath.Week(day))).Sample(
            new KpiSample($"{Kind}:{ThreadId}", Kind, day, (At - AskedAt).TotalSeconds, KpiMath.Tags(asker?.Profile)));
    }
}

/// <summary>Search documents to (re)index: a document is keyed by its post, so indexing twice replaces.</summary>
[GenerateSerializer, Alias("cs.fu.IndexPosts")]
public sealed record IndexPosts([property: Id(0)] string CommunityId, [property: Id(1)] IReadOnlyList<SearchDocument> Documents) : FollowUp
{
    public override async Task Deliver(IGrainFactory grains)
    {
        var search = grains.GetGrain<IForumSearchGrain>(CommunityId);
        foreach (var document in Documents)
        {
            await search.Index(document);
        }
    }
}

/// <summary>A post, or a whole thread when <see cref="PostId"/> is null, leaves the search index.</summary>
[GenerateSerializer, Alias("cs.fu.Unindex")]
public sealed record Unindex([property: Id(0)] string CommunityId, [property: Id(1)] string ThreadId, [property: Id(2)] string? PostId) : FollowUp
{
    public override Task Deliver(IGrainFactory grains)
    {
        var search = grains.GetGrain<IForumSearchGrain>(CommunityId);
        return PostId is null ? search.RemoveThread(ThreadId) : search.RemovePost(PostId);
    }
}

/// <summary>The forum listing's copy of a thread (versioned: the directory keeps the newest it has seen).</summary>
[GenerateSerializer, Alias("cs.fu.UpsertSummary")]
public sealed record UpsertSummary([property: Id(0)] ThreadSummary Summary) : FollowUp
{
    public override Task Deliver(IGrainFactory grains) => grains.GetGrain<IThreadDirectoryGrain>(Summary.CommunityId).Upsert(Summary);
}

/// <summary>Files of removed content stop being served (revoking twice is harmless).</summary>
[GenerateSerializer, Alias("cs.fu.RevokeAttachments")]
public sealed record RevokeAttachments([property: Id(0)] string CommunityId, [property: Id(1)] IReadOnlyList<string> AttachmentIds) : FollowUp
{
    public override async Task Deliver(IGrainFactory grains)
    {
        foreach (var id in AttachmentIds)
        {
            await grains.Attachment(CommunityId, id).Revoke();
        }
    }

    public static RevokeAttachments? Of(string communityId, IReadOnlyList<AttachmentInfo>? attachments) =>
        attachments is { Count: > 0 } ? new(communityId, [.. attachments.Select(a => a.Id)]) : null;
}

/// <summary>A removed chat message's original, kept by the review queue for a restore (keyed by channel and seq).</summary>
[GenerateSerializer, Alias("cs.fu.ArchiveRemoved")]
public sealed record ArchiveRemoved([property: Id(0)] Chat.ChatMessage Original) : FollowUp
{
    public override Task Deliver(IGrainFactory grains) => grains.GetGrain<IModerationQueueGrain>(Original.CommunityId).Archive(Original);
}
