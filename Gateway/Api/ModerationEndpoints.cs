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
