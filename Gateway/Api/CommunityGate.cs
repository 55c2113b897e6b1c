using CommunityScale.Access;
using CommunityScale.Errors;
using CommunityScale.Gateway.Auth;

namespace CommunityScale.Gateway.Api;

/// <summary>What a route of a community needs of its caller before its grain is asked.</summary>
public enum CommunityGateMode
{
    /// <summary>Only that the community exists for them: a private community's non-members get <c>not_found</c>.</summary>
    Exists,

    /// <summary>
    /// Also <c>view</c> in the community as a whole: its events, boards, members and roles. Visitors read a public
    /// community only (<c>not_member</c> in a restricted one); a member without <c>view</c> gets <c>forbidden</c>.
    /// </summary>
    Content,
}

/// <summary>Marks a route of a gated group that outsiders must reach: joining, asking to join, a member's own data.</summary>
public sealed class OpenToOutsiders
{
    public static OpenToOutsiders Instance { get; } = new();
}

/// <summary>
/// The one check of a community's existence and content for routes whose grains do not judge the reader themselves
/// (channels, threads and the community's info do, finer: per channel and category). One call to the community's access
/// grain, which reads the caller's membership: REST calls and hub watches only, never a chat message.
/// </summary>
public static class CommunityGate
{
    /// <summary>Gates every route of <paramref name="builder"/> (a group or one route) on its <c>{communityId}</c>.</summary>
    public static TBuilder Gated<TBuilder>(this TBuilder builder, CommunityGateMode mode) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.GetEndpoint()?.Metadata.GetMetadata<OpenToOutsiders>() is null)
            {
                await Require(http.RequestServices.GetRequiredService<IClusterClient>(),
                    http.GetRouteValue("communityId") as string, http.User.ToActor().UserId, mode);
            }

            return await next(context);
        });

    /// <summary>Refuses a caller the community's content is not for (see <see cref="CommunityGateMode"/>); returns who they are to it.</summary>
    public static async Task<CommunityReader> Require(IClusterClient cluster, string? communityId, string userId, CommunityGateMode mode)
    {
        var id = InputRules.RequireId(communityId, "community id");
        var reader = await cluster.GetGrain<ICommunityAccessGrain>(id).ReaderOf(userId);
        if (!reader.Member)
        {
            // A community that does not exist has the rules of a public one: its visitor is told it does not exist, as a
            // private one's is (ReaderOf), so that neither answer tells the two apart. Members' calls never pay for this.
            await cluster.GetGrain<Communities.ICommunityGrain>(id).GetInfo();
        }

        if (mode == CommunityGateMode.Content && !reader.Permissions.HasFlag(Permissions.View))
        {
            throw reader.Member
                ? new CommunityException(ErrorCodes.Forbidden, "You may not view this community's content (missing: view).")
                : new CommunityException(ErrorCodes.NotMember, $"Join community '{id}' first.");
        }

        return reader;
    }
}
