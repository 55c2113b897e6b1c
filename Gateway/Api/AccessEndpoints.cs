using CommunityScale.Access;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gateway.Auth;

namespace CommunityScale.Gateway.Api;

/// <summary>Roles, member roles, channel overrides and effective permissions (docs/api.md, "Roles and permissions").</summary>
public static class AccessEndpoints
{
    public static void MapAccessApi(this WebApplication app)
    {
        var community = app.MapGroup("/api/communities/{communityId}").RequireAuthorization().WithTags("Roles")
            .Gated(CommunityGateMode.Exists);

        community.MapGet("/roles", async (string communityId, IClusterClient cluster) =>
        {
            await cluster.GetGrain<ICommunityGrain>(Id(communityId)).GetInfo();
            return (await Access(cluster, communityId).GetRules()).Roles.OrderByDescending(r => r.Position).Select(RoleView.Of);
        });

        community.MapPut("/roles/{roleId}", async (string communityId, string roleId, RoleRequest request, HttpContext http, IClusterClient cluster) =>
            RoleView.Of(await Access(cluster, communityId).SaveRole(
                new RoleDraft(InputRules.RequireId(roleId, "role id"), request.Name ?? roleId, request.Colour ?? "", request.Position ?? (BuiltInRoles.IsBuiltIn(roleId) ? 0 : throw CommunityException.Invalid("position is required (1 to 1999; moderators are at 1000).")),
                    PermissionNames.Parse(request.Permissions, "permissions")), http.User.ToActor())));

        community.MapDelete("/roles/{roleId}", async (string communityId, string roleId, HttpContext http, IClusterClient cluster) =>
        {
            await Access(cluster, communityId).DeleteRole(roleId, http.User.ToActor());
            return Results.NoContent();
        });

        community.MapPut("/members/{userId}/roles", (string communityId, string userId, MemberRolesRequest request, HttpContext http, IClusterClient cluster) =>
            Access(cluster, communityId).SetMemberRoles(userId, request.Roles ?? [], http.User.ToActor()));

        community.MapGet("/channels/{channelId}/overrides", (string communityId, string channelId, HttpContext http, IClusterClient cluster) =>
            ReadOverrides(cluster, communityId, AccessPlaces.Channel(InputRules.RequireId(channelId, "channel id")), http));

        community.MapPut("/channels/{channelId}/overrides", (string communityId, string channelId, OverridesRequest request, HttpContext http, IClusterClient cluster) =>
            SetOverrides(cluster, communityId, AccessPlaces.Channel(InputRules.RequireId(channelId, "channel id")), request, http));

        community.MapGet("/categories/{categoryId}/overrides", async (string communityId, string categoryId, HttpContext http, IClusterClient cluster) =>
        {
            var id = InputRules.RequireId(categoryId, "category id");
            var overrides = await ReadOverrides(cluster, communityId, AccessPlaces.Category(id), http);
            return (await cluster.GetGrain<Threads.IThreadDirectoryGrain>(Id(communityId)).GetCategories()).Any(c => c.Id == id)
                ? overrides : throw CommunityException.NotFound($"Category '{id}'");
        });

        community.MapPut("/categories/{categoryId}/overrides", (string communityId, string categoryId, OverridesRequest request, HttpContext http, IClusterClient cluster) =>
            SetOverrides(cluster, communityId, AccessPlaces.Category(InputRules.RequireId(categoryId, "category id")), request, http));

        community.MapPut("/visibility", (string communityId, VisibilityRequest request, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<ICommunityGrain>(Id(communityId)).SetVisibility(
                request.Visibility ?? throw CommunityException.Invalid("visibility is required (public, restricted or private)."), http.User.ToActor()));

        community.MapPost("/invites", async (string communityId, InviteRequest request, HttpContext http, IClusterClient cluster) =>
        {
            var invite = await Invites(cluster, communityId).CreateInvite(
                request.ExpiresInMinutes is { } minutes ? TimeSpan.FromMinutes(Math.Clamp(minutes, 0, int.MaxValue / 2)) : null, request.MaxUses ?? 0, http.User.ToActor());
            return Results.Created($"/api/communities/{communityId}/invites/{invite.Code}", invite);
        });

        community.MapGet("/invites", (string communityId, HttpContext http, IClusterClient cluster) => Invites(cluster, communityId).ListInvites(http.User.ToActor()));

        community.MapDelete("/invites/{code}", (string communityId, string code, HttpContext http, IClusterClient cluster) =>
            Invites(cluster, communityId).RevokeInvite(InputRules.RequireId(code, "invite"), http.User.ToActor()));

        community.MapPost("/join-requests", async (string communityId, Privacy.ConsentGiven? consent, HttpContext http, IClusterClient cluster) =>
            Results.Accepted(null, await Invites(cluster, communityId).RequestToJoin(http.User.ToActor(), consent ?? new Privacy.ConsentGiven(0))))
            .WithMetadata(OpenToOutsiders.Instance);

        community.MapGet("/join-requests", (string communityId, HttpContext http, IClusterClient cluster) => Invites(cluster, communityId).ListJoinRequests(http.User.ToActor()));

        community.MapPost("/join-requests/{userId}/approve", async (string communityId, string userId, HttpContext http, IClusterClient cluster) =>
            await Invites(cluster, communityId).DecideJoinRequest(InputRules.RequireId(userId, "user id"), approve: true, http.User.ToActor()));

        community.MapPost("/join-requests/{userId}/decline", async (string communityId, string userId, HttpContext http, IClusterClient cluster) =>
        {
            await Invites(cluster, communityId).DecideJoinRequest(InputRules.RequireId(userId, "user id"), approve: false, http.User.ToActor());
            return Results.NoContent();
        });

        // What the caller may do: the community-wide set, and in one channel (to show or hide a composer, a remove button).
        community.MapGet("/permissions/me", async (string communityId, HttpContext http, IClusterClient cluster) =>
        {
            await cluster.GetGrain<ICommunityGrain>(Id(communityId)).GetInfo();
            return new PermissionsView(PermissionNames.Format(await Access(cluster, communityId).PermissionsOf(http.User.ToActor().UserId, null)));
        });

        community.MapGet("/channels/{channelId}/permissions/me", async (string communityId, string channelId, HttpContext http, IClusterClient cluster) =>
        {
            var key = new ChannelKey(Id(communityId), InputRules.RequireId(channelId, "channel id"));
            return PermissionsView.IfViewable(await cluster.Channel(key).PermissionsOf(http.User.ToActor().UserId), $"Channel '{key}'");
        });
    }

    private static string Id(string communityId) => InputRules.RequireId(communityId, "community id");

    /// <summary>A place's overrides, for managers only: who is let in or kept out of a place is theirs to know.</summary>
    private static async Task<IEnumerable<OverrideView>> ReadOverrides(IClusterClient cluster, string communityId, string place, HttpContext http)
    {
        var access = Access(cluster, communityId);
        if (!(await access.PermissionsOf(http.User.ToActor().UserId, null)).HasFlag(Permissions.ManageRoles))
        {
            throw new CommunityException(ErrorCodes.Forbidden, "Reading overrides needs the manage_roles permission.");
        }

        return (await access.GetRules()).OverridesOf(place).Select(OverrideView.Of);
    }

    private static async Task<IEnumerable<OverrideView>> SetOverrides(IClusterClient cluster, string communityId, string place, OverridesRequest request, HttpContext http) =>
        (await Access(cluster, communityId).SetOverrides(place, [.. (request.Overrides ?? []).Select(OverrideRequest.ToOverride)], http.User.ToActor())).Select(OverrideView.Of);

    private static ICommunityInvitesGrain Invites(IClusterClient cluster, string communityId) => cluster.GetGrain<ICommunityInvitesGrain>(Id(communityId));

    private static ICommunityAccessGrain Access(IClusterClient cluster, string communityId) => cluster.GetGrain<ICommunityAccessGrain>(Id(communityId));
}

public sealed record VisibilityRequest(CommunityVisibility? Visibility);

/// <summary>An invite: lasting <see cref="ExpiresInMinutes"/> (default 7 days), for at most <see cref="MaxUses"/> joins (0 or absent: unlimited).</summary>
public sealed record InviteRequest(int? ExpiresInMinutes, int? MaxUses);

public sealed record RoleRequest(string? Name, string? Colour, int? Position, string[]? Permissions);

public sealed record MemberRolesRequest(string[]? Roles);

public sealed record OverridesRequest(OverrideRequest[]? Overrides);

/// <summary>One override: exactly one of <see cref="Role"/> and <see cref="Member"/> (a user id).</summary>
public sealed record OverrideRequest(string? Role, string? Member, string[]? Allow, string[]? Deny)
{
    public static PermissionOverride ToOverride(OverrideRequest request) =>
        (request.Role, request.Member) switch
        {
            ({ } role, null) => new(OverrideTarget.Role, role, PermissionNames.Parse(request.Allow, "allow"), PermissionNames.Parse(request.Deny, "deny")),
            (null, { } member) => new(OverrideTarget.Member, member, PermissionNames.Parse(request.Allow, "allow"), PermissionNames.Parse(request.Deny, "deny")),
            _ => throw CommunityException.Invalid("Each override names exactly one of role and member."),
        };
}

public sealed record RoleView(string Id, string Name, string Colour, int Position, IReadOnlyList<string> Permissions, bool BuiltIn)
{
    public static RoleView Of(CommunityRole role) =>
        new(role.Id, role.Name, role.Colour, role.Position, PermissionNames.Format(role.Permissions), BuiltInRoles.IsBuiltIn(role.Id));
}

public sealed record OverrideView(string? Role, string? Member, IReadOnlyList<string> Allow, IReadOnlyList<string> Deny)
{
    public static OverrideView Of(PermissionOverride o) =>
        new(o.Target == OverrideTarget.Role ? o.TargetId : null, o.Target == OverrideTarget.Member ? o.TargetId : null,
            PermissionNames.Format(o.Allow), PermissionNames.Format(o.Deny));
}

public sealed record PermissionsView(IReadOnlyList<string> Permissions)
{
    /// <summary>What the caller may do in a place, or <c>not_found</c> naming <paramref name="hidden"/> when they may not even view it.</summary>
    public static PermissionsView IfViewable(CommunityScale.Access.Permissions allowed, string hidden) =>
        allowed.HasFlag(CommunityScale.Access.Permissions.View) ? new(PermissionNames.Format(allowed)) : throw CommunityException.NotFound(hidden);
}
