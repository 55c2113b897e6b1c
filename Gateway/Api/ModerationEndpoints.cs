using CommunityScale.Chat;
using CommunityScale.Errors;
using CommunityScale.Gateway.Auth;
using CommunityScale.Moderation;

namespace CommunityScale.Gateway.Api;

public sealed record SlowModeRequest(int? Seconds);

/// <summary>Moderation settings over REST: the community's automatic-moderation policy and per-channel slow mode.</summary>
public static class ModerationEndpoints
{
    public static void MapModerationApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/communities/{communityId}").RequireAuthorization().WithTags("Moderation");

        api.MapGet("/moderation/policy", (string communityId, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IModerationPolicyGrain>(InputRules.RequireId(communityId, "community id")).Read(http.User.ToActor()));

        api.MapPut("/moderation/policy", (string communityId, ModerationPolicyUpdate update, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IModerationPolicyGrain>(InputRules.RequireId(communityId, "community id")).Update(update, http.User.ToActor()));

        api.MapPut("/channels/{channelId}/slow-mode", async (string communityId, string channelId, SlowModeRequest request, HttpContext http, IClusterClient cluster) =>
        {
            var key = new ChannelKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(channelId, "channel id"));
            var seconds = request.Seconds ?? throw CommunityException.Invalid("seconds is required (0 turns slow mode off).");
            await cluster.GetGrain<IChannelGrain>(key.ToString()).SetSlowMode(seconds, http.User.ToActor());
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
        var api = app.MapGroup("/api/communities/{communityId}/moderation").RequireAuthorization().WithTags("Moderation");

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
            cluster.GetGrain<IChannelGrain>(new ChannelKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(channelId, "channel id")).ToString())
                .RemoveMessage(seq, Reason(request.Reason), http.User.ToActor()));

        api.MapGet("/audit", (string communityId, long? before, int? limit, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IAuditLogGrain>(InputRules.RequireId(communityId, "community id"))
                .Read(before is < 1 ? throw CommunityException.Invalid("before must be positive.") : before, InputRules.RequireLimit(limit, 50), http.User.ToActor()));
    }

    private static ICommunityModerationGrain Moderation(IClusterClient cluster, string communityId) =>
        cluster.GetGrain<ICommunityModerationGrain>(InputRules.RequireId(communityId, "community id"));

    private static string Reason(string? reason) =>
        reason is { Length: > 500 } ? throw CommunityException.Invalid("A reason has at most 500 characters.") : reason?.Trim() ?? "";
}

/// <summary>The review queue: messages automatic moderation held, for moderators to approve or reject.</summary>
public static class ReviewQueueEndpoints
{
    public static void MapReviewQueueApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/communities/{communityId}/moderation/queue").RequireAuthorization().WithTags("Moderation");

        api.MapGet("/", (string communityId, HttpContext http, IClusterClient cluster) => Queue(cluster, communityId).List(http.User.ToActor()));

        api.MapPost("/{heldId}/approve", (string communityId, string heldId, HttpContext http, IClusterClient cluster) =>
            Queue(cluster, communityId).Approve(heldId, http.User.ToActor()));

        api.MapPost("/{heldId}/reject", async (string communityId, string heldId, ReasonRequest request, HttpContext http, IClusterClient cluster) =>
        {
            await Queue(cluster, communityId).Reject(heldId, request.Reason?.Trim() ?? "", http.User.ToActor());
            return Results.NoContent();
        });
    }

    private static IModerationQueueGrain Queue(IClusterClient cluster, string communityId) =>
        cluster.GetGrain<IModerationQueueGrain>(InputRules.RequireId(communityId, "community id"));
}
