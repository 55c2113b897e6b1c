using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gateway.Attachments;
using CommunityScale.Gateway.Auth;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Privacy;

namespace CommunityScale.Gateway.Api;

/// <summary>What a member agrees to (guidelines, consent), what they can take away (export) and have deleted (erasure), and retention.</summary>
public static class PrivacyEndpoints
{
    public static void MapPrivacyApi(this WebApplication app)
    {
        var community = app.MapGroup("/api/communities/{communityId}").RequireAuthorization().WithTags("Privacy").Gated(CommunityGateMode.Exists);

        // Read before joining: a private community's only by its members and whoever holds an invite to it.
        community.MapGet("/guidelines", async (string communityId, string? invite, HttpContext http, IClusterClient cluster) =>
        {
            var id = InputRules.RequireId(communityId, "community id");
            if (invite is null || !await cluster.GetGrain<Access.ICommunityInvitesGrain>(id).IsKnown(InputRules.RequireId(invite, "invite")))
            {
                await CommunityGate.Require(cluster, id, http.User.ToActor().UserId, CommunityGateMode.Exists);
            }

            return await Policy(cluster, id).GetGuidelines();
        }).WithMetadata(OpenToOutsiders.Instance);

        community.MapPut("/guidelines", (string communityId, GuidelinesRequest request, HttpContext http, IClusterClient cluster) =>
            Policy(cluster, communityId).PublishGuidelines(request.Text ?? "", http.User.ToActor()));

        community.MapGet("/members/me/consent", async (string communityId, HttpContext http, IClusterClient cluster) =>
        {
            var member = Member(cluster, communityId, http.User.ToActor().UserId);
            var info = await member.Get() ?? throw new CommunityException(ErrorCodes.NotMember, $"Join community '{communityId}' first.");
            var current = await Policy(cluster, communityId).GetGuidelines();
            return new ConsentStatus(current, info.GuidelinesVersion, info.MarketingConsent, info.GuidelinesVersion < current.Version, await member.GetConsents());
        });

        community.MapPut("/members/me/consent", async (string communityId, ConsentGiven consent, HttpContext http, IClusterClient cluster) =>
        {
            var current = await Policy(cluster, communityId).GetGuidelines();
            return await Member(cluster, communityId, http.User.ToActor().UserId).Consent(consent, current.Version);
        });

        community.MapGet("/members/{userId}/export", (string communityId, string userId, HttpContext http, IClusterClient cluster) =>
            InputRules.RequireId(userId, "user id") == http.User.ToActor().UserId
                ? Privacy(cluster, communityId, userId).Export()
                : throw new CommunityException(ErrorCodes.Forbidden, "Only the member themselves may export their data."))
            .WithMetadata(OpenToOutsiders.Instance);

        community.MapDelete("/members/{userId}", async (string communityId, string userId, HttpContext http, IClusterClient cluster, AttachmentStore files) =>
            Results.Accepted($"/api/communities/{communityId}/members/{userId}/erasure",
                await StartErasure(cluster, files, communityId, InputRules.RequireId(userId, "user id"), http.User.ToActor())))
            .WithMetadata(OpenToOutsiders.Instance);

        community.MapGet("/members/{userId}/erasure", async (string communityId, string userId, HttpContext http, IClusterClient cluster) =>
            await Privacy(cluster, communityId, userId).GetErasure(http.User.ToActor()) ?? throw CommunityException.NotFound($"An erasure of '{userId}' under way"))
            .WithMetadata(OpenToOutsiders.Instance);

        community.MapGet("/retention", (string communityId, IClusterClient cluster) =>
            cluster.GetGrain<IRetentionGrain>(InputRules.RequireId(communityId, "community id")).Get());

        community.MapPut("/retention", (string communityId, RetentionRequest request, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IRetentionGrain>(InputRules.RequireId(communityId, "community id")).Set(request.MessageDays, http.User.ToActor()));

        var me = app.MapGroup("/api/me").RequireAuthorization().WithTags("Privacy");

        me.MapGet("/communities", async (HttpContext http, IClusterClient cluster) =>
        {
            var userId = http.User.ToActor().UserId;
            var memberships = new List<MyCommunity>();
            foreach (var id in await cluster.GetGrain<IUserAccountGrain>(userId).GetCommunities())
            {
                if (await Member(cluster, id, userId).Get() is { } member)
                {
                    memberships.Add(new MyCommunity(await cluster.GetGrain<ICommunityGrain>(id).GetInfo(), member));
                }
            }

            return memberships;
        });

        me.MapGet("/export", async (HttpContext http, IClusterClient cluster) =>
        {
            var userId = http.User.ToActor().UserId;
            var communities = new List<MemberDataExport>();
            foreach (var id in await cluster.GetGrain<IUserAccountGrain>(userId).GetCommunities())
            {
                // The account lists a community before the membership is written (and until an erasure ends): skip what is not a membership.
                if (await Member(cluster, id, userId).Get() is not null)
                {
                    communities.Add(await Privacy(cluster, id, userId).Export());
                }
            }

            var inbox = cluster.GetGrain<INotificationInboxGrain>(userId);
            return new AccountExport(userId, DateTimeOffset.UtcNow, communities, await inbox.GetMuted());
        });

        app.MapDelete("/api/me", async (HttpContext http, IClusterClient cluster, AttachmentStore files) =>
        {
            var caller = http.User.ToActor();
            var account = cluster.GetGrain<IUserAccountGrain>(caller.UserId);
            var communities = await account.GetCommunities();
            foreach (var id in communities)
            {
                if ((await Member(cluster, id, caller.UserId).Get())?.Role == MemberRole.Owner)
                {
                    throw CommunityException.Invalid($"You own community '{id}': it needs an owner, so the account cannot be erased yet.");
                }
            }

            // Settings are the only account-wide data: the inbox deletes itself once its last community's notices go.
            await cluster.GetGrain<INotificationInboxGrain>(caller.UserId).SetMuted([]);
            var started = new List<ErasureStatus>();
            foreach (var id in communities)
            {
                if (await Member(cluster, id, caller.UserId).Get() is not null || await Privacy(cluster, id, caller.UserId).GetErasure(caller) is not null)
                {
                    started.Add(await StartErasure(cluster, files, id, caller.UserId, caller));
                }
            }

            return Results.Accepted(value: started);
        }).RequireAuthorization().WithTags("Privacy");
    }

    /// <summary>Deletes the member's files first (bytes live in blob storage, which only gateways reach), then starts the erasure.</summary>
    private static async Task<ErasureStatus> StartErasure(IClusterClient cluster, AttachmentStore files, string communityId, string userId, Actor by)
    {
        var privacy = Privacy(cluster, communityId, userId);
        foreach (var attachmentId in await privacy.PrepareErasure(by))
        {
            await files.Delete(communityId, attachmentId);
        }

        return await privacy.Erase(by);
    }

    private static IModerationPolicyGrain Policy(IClusterClient cluster, string communityId) =>
        cluster.GetGrain<IModerationPolicyGrain>(InputRules.RequireId(communityId, "community id"));

    private static IMemberGrain Member(IClusterClient cluster, string communityId, string userId) =>
        cluster.Member(InputRules.RequireId(communityId, "community id"), userId);

    private static IMemberPrivacyGrain Privacy(IClusterClient cluster, string communityId, string userId) =>
        cluster.MemberPrivacy(new MemberKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(userId, "user id")));
}
