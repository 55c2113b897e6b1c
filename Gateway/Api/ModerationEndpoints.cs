using CommunityScale.Chat;
using CommunityScale.Errors;
using CommunityScale.Gateway.Auth;
using CommunityScale.Moderation;
using CommunityScale.Notifications;

namespace CommunityScale.Gateway.Api;

public sealed record SlowModeRequest(int? Seconds);

/// <summary>Moderation settings over REST: the community's automatic-moderation policy and per-channel slow mode.</summary>
public static class ModerationEndpoints
{
    public static void MapModerationApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/communities/{communityId}").RequireAuthorization().WithTags("Moderation").Gated(CommunityGateMode.Exists);

        api.MapGet("/moderation/policy", (string communityId, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IModerationPolicyGrain>(InputRules.RequireId(communityId, "community id")).Read(http.User.ToActor()));

        api.MapPut("/moderation/policy", (string communityId, ModerationPolicyUpdate update, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IModerationPolicyGrain>(InputRules.RequireId(communityId, "community id")).Update(update, http.User.ToActor()));

        api.MapPut("/channels/{channelId}/slow-mode", async (string communityId, string channelId, SlowModeRequest request, HttpContext http, IClusterClient cluster) =>
        {
            var key = new ChannelKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(channelId, "channel id"));
            var seconds = request.Seconds ?? throw CommunityException.Invalid("seconds is required (0 turns slow mode off).");
            await cluster.Channel(key).SetSlowMode(seconds, http.User.ToActor());
            return new { seconds };
        });
    }
}

public sealed record MuteRequest(int? Minutes, string? Reason);

/// <summary>A body that only carries the moderator's reason (ban, remove, reject).</summary>
public sealed record ReasonRequest(string? Reason);

/// <summary>Moderator actions on members and the audit log.</summary>
public static class MemberModerationEndpoints
{
    public static void MapMemberModerationApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/communities/{communityId}/moderation").RequireAuthorization().WithTags("Moderation").Gated(CommunityGateMode.Exists);

        api.MapPost("/members/{userId}/mute", (string communityId, string userId, MuteRequest request, HttpContext http, IClusterClient cluster) =>
            Moderation(cluster, communityId).Mute(userId, TimeSpan.FromMinutes(request.Minutes ?? throw CommunityException.Invalid("minutes is required.")),
                Reason(request.Reason), http.User.ToActor()));

        api.MapDelete("/members/{userId}/mute", (string communityId, string userId, HttpContext http, IClusterClient cluster) =>
            Moderation(cluster, communityId).Unmute(userId, http.User.ToActor()));

        api.MapPost("/members/{userId}/ban", (string communityId, string userId, ReasonRequest request, HttpContext http, IClusterClient cluster) =>
            Moderation(cluster, communityId).Ban(userId, Reason(request.Reason), http.User.ToActor()));

        api.MapDelete("/members/{userId}/ban", (string communityId, string userId, HttpContext http, IClusterClient cluster) =>
            Moderation(cluster, communityId).Unban(userId, http.User.ToActor()));

        api.MapPost("/channels/{channelId}/messages/{seq:long}/remove", (string communityId, string channelId, long seq, ReasonRequest request, HttpContext http, IClusterClient cluster) =>
            cluster.Channel(new ChannelKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(channelId, "channel id")))
                .RemoveMessage(seq, Reason(request.Reason), http.User.ToActor()));

        api.MapPost("/members/{userId}/warn", (string communityId, string userId, ReasonRequest request, HttpContext http, IClusterClient cluster) =>
            Moderation(cluster, communityId).Warn(userId, Reason(request.Reason), http.User.ToActor()));

        api.MapGet("/members/{userId}/sanctions", (string communityId, string userId, HttpContext http, IClusterClient cluster) =>
            Moderation(cluster, communityId).Sanctions(userId, http.User.ToActor()));

        api.MapPost("/members/{userId}/sanctions/{sanctionId}/revoke", (string communityId, string userId, string sanctionId, ReasonRequest request, HttpContext http, IClusterClient cluster) =>
            Moderation(cluster, communityId).Revoke(userId, InputRules.RequireId(sanctionId, "sanction id"), Reason(request.Reason), http.User.ToActor()));

        api.MapPost("/channels/{channelId}/messages/{seq:long}/restore", (string communityId, string channelId, long seq, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IModerationQueueGrain>(InputRules.RequireId(communityId, "community id"))
                .Restore(InputRules.RequireId(channelId, "channel id"), seq, http.User.ToActor()));

        api.MapGet("/audit", (string communityId, long? before, int? limit, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IAuditLogGrain>(InputRules.RequireId(communityId, "community id"))
                .Read(before is < 1 ? throw CommunityException.Invalid("before must be positive.") : before, InputRules.RequireLimit(limit, 50), http.User.ToActor()));
    }

    private static ICommunityModerationGrain Moderation(IClusterClient cluster, string communityId) =>
        cluster.GetGrain<ICommunityModerationGrain>(InputRules.RequireId(communityId, "community id"));

    internal static string Reason(string? reason) =>
        reason is { Length: > 500 } ? throw CommunityException.Invalid("A reason has at most 500 characters.") : reason?.Trim() ?? "";
}

/// <summary>The review queue: held messages, reports and appeals, for moderators to approve or reject (docs/api.md says what each means per kind).</summary>
public static class ReviewQueueEndpoints
{
    public static void MapReviewQueueApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/communities/{communityId}/moderation/queue").RequireAuthorization().WithTags("Moderation").Gated(CommunityGateMode.Exists);

        api.MapGet("/", (string communityId, HttpContext http, IClusterClient cluster) => Queue(cluster, communityId).List(http.User.ToActor()));

        api.MapPost("/{itemId}/approve", (string communityId, string itemId, HttpContext http, IClusterClient cluster) =>
            Queue(cluster, communityId).Approve(itemId, http.User.ToActor()));

        api.MapPost("/{itemId}/reject", (string communityId, string itemId, ReasonRequest request, HttpContext http, IClusterClient cluster) =>
            Queue(cluster, communityId).Reject(itemId, MemberModerationEndpoints.Reason(request.Reason), http.User.ToActor()));
    }

    private static IModerationQueueGrain Queue(IClusterClient cluster, string communityId) =>
        cluster.GetGrain<IModerationQueueGrain>(InputRules.RequireId(communityId, "community id"));
}

public sealed record AppealRequest(string? Text);

public sealed record MarkReadRequest(long? UpTo);

/// <summary>The notification kinds a member turned off (<c>/api/me/notifications/settings</c>).</summary>
public sealed record NotificationSettings(IReadOnlyList<string>? Muted);

/// <summary>What members do about moderation and their own standing: report messages, read and appeal their sanctions, read notices.</summary>
public static class MemberStandingEndpoints
{
    public static void MapMemberStandingApi(this WebApplication app)
    {
        var community = app.MapGroup("/api/communities/{communityId}").RequireAuthorization().WithTags("Moderation").Gated(CommunityGateMode.Exists);

        community.MapPost("/channels/{channelId}/messages/{seq:long}/report", (string communityId, string channelId, long seq, ReasonRequest request, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IModerationQueueGrain>(InputRules.RequireId(communityId, "community id"))
                .Report(InputRules.RequireId(channelId, "channel id"), seq, MemberModerationEndpoints.Reason(request.Reason), http.User.ToActor()));

        community.MapGet("/me/sanctions", (string communityId, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<ICommunityModerationGrain>(InputRules.RequireId(communityId, "community id")).Sanctions(http.User.ToActor().UserId, http.User.ToActor()));

        community.MapPost("/me/sanctions/{sanctionId}/appeal", (string communityId, string sanctionId, AppealRequest request, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IModerationQueueGrain>(InputRules.RequireId(communityId, "community id"))
                .Appeal(InputRules.RequireId(sanctionId, "sanction id"), request.Text ?? "", http.User.ToActor()));

        var me = app.MapGroup("/api/me").RequireAuthorization().WithTags("Notifications");

        me.MapGet("/notifications", (long? before, int? limit, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<INotificationInboxGrain>(http.User.ToActor().UserId)
                .List(before is < 1 ? throw CommunityException.Invalid("before must be positive.") : before, InputRules.RequireLimit(limit, 50)));

        me.MapPost("/notifications/read-all", async (HttpContext http, IClusterClient cluster) =>
            new { unread = await cluster.GetGrain<INotificationInboxGrain>(http.User.ToActor().UserId).MarkRead(long.MaxValue) });

        me.MapGet("/notifications/settings", async (HttpContext http, IClusterClient cluster) =>
            new NotificationSettings(await cluster.GetGrain<INotificationInboxGrain>(http.User.ToActor().UserId).GetMuted()));

        me.MapPut("/notifications/settings", async (NotificationSettings settings, HttpContext http, IClusterClient cluster) =>
            new NotificationSettings(await cluster.GetGrain<INotificationInboxGrain>(http.User.ToActor().UserId).SetMuted(settings.Muted ?? [])));

        me.MapPost("/notifications/read", async (MarkReadRequest request, HttpContext http, IClusterClient cluster) =>
        {
            var upTo = request.UpTo is >= 0 ? request.UpTo.Value : throw CommunityException.Invalid("upTo is required and must not be negative.");
            return new { unread = await cluster.GetGrain<INotificationInboxGrain>(http.User.ToActor().UserId).MarkRead(upTo) };
        });
    }
}
