using CommunityScale.Campaigns;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;
using CommunityScale.Gateway.Auth;

namespace CommunityScale.Gateway.Api;

/// <summary>Campaigns (admins run them; members see them, their board and figures) and the profile fields segments filter on.</summary>
public static class CampaignEndpoints
{
    public static void MapCampaignsApi(this WebApplication app)
    {
        var community = app.MapGroup("/api/communities/{communityId}").RequireAuthorization().WithTags("Campaigns").Gated(CommunityGateMode.Content);

        community.MapPost("/campaigns", async (string communityId, NewCampaign campaign, HttpContext http, IClusterClient cluster) =>
        {
            var created = await Campaign(cluster, communityId, campaign.Id).Create(campaign, http.User.ToActor());
            return Results.Created($"/api/communities/{communityId}/campaigns/{created.Id}", created);
        });

        community.MapGet("/campaigns", async (string communityId, IClusterClient cluster) =>
        {
            var listed = await cluster.GetGrain<ICampaignDirectoryGrain>(InputRules.RequireId(communityId, "community id")).List();
            return await Task.WhenAll(listed.Select(c => Campaign(cluster, communityId, c.Id).Get()));
        });

        community.MapGet("/campaigns/{campaignId}", (string communityId, string campaignId, IClusterClient cluster) => Campaign(cluster, communityId, campaignId).Get());

        community.MapGet("/campaigns/{campaignId}/leaderboard", async (string communityId, string campaignId, int? offset, int? limit, IClusterClient cluster) =>
        {
            var campaign = await Campaign(cluster, communityId, campaignId).Get();
            return await cluster.Leaderboard(new BoardKey(campaign.CommunityId, Leaderboards.ForCampaign(campaign.Id))).Page(offset ?? 0, limit ?? 20);
        });

        community.MapGet("/profile-fields", (string communityId, IClusterClient cluster) => Fields(cluster, communityId).Get());

        community.MapPut("/profile-fields", (string communityId, IReadOnlyList<ProfileField> fields, HttpContext http, IClusterClient cluster) =>
            Fields(cluster, communityId).Define(fields, http.User.ToActor()));

        community.MapPut("/members/me/profile", (string communityId, Dictionary<string, IReadOnlyList<string>> profile, HttpContext http, IClusterClient cluster) =>
            Fields(cluster, communityId).SetMemberProfile(profile, http.User.ToActor()));
    }

    private static ICampaignGrain Campaign(IClusterClient cluster, string communityId, string campaignId) =>
        cluster.Campaign(new CampaignKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(campaignId, "campaign id")));

    private static IProfileFieldsGrain Fields(IClusterClient cluster, string communityId) =>
        cluster.GetGrain<IProfileFieldsGrain>(InputRules.RequireId(communityId, "community id"));
}
