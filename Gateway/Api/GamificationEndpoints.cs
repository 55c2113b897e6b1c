using System.Text.RegularExpressions;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;
using CommunityScale.Gateway.Auth;

namespace CommunityScale.Gateway.Api;

/// <summary>Points rules (admins), members' points, and leaderboards: <c>all</c> (all time), <c>week</c> (this ISO week, UTC) or a week like <c>2026-W48</c>.</summary>
public sealed record GamificationSettings(string? TimeZone);

public static partial class GamificationEndpoints
{
    public static void MapGamificationApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/communities/{communityId}").RequireAuthorization().WithTags("Gamification").Gated(CommunityGateMode.Content);

        api.MapGet("/gamification/rules", (string communityId, IClusterClient cluster) =>
            cluster.GetGrain<IPointsRulesGrain>(InputRules.RequireId(communityId, "community id")).Get());

        api.MapPut("/gamification/rules", (string communityId, PointsRulesUpdate update, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IPointsRulesGrain>(InputRules.RequireId(communityId, "community id")).Update(update, http.User.ToActor()));

        api.MapGet("/members/{userId}/points", async (string communityId, string userId, IClusterClient cluster) =>
        {
            var key = new MemberKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(userId, "user id"));
            _ = await cluster.Member(key).Get() ?? throw CommunityException.NotFound($"Member '{userId}' of '{communityId}'");
            return await cluster.MemberPoints(key).GetProfile();
        });

        api.MapGet("/gamification/challenges", (string communityId, IClusterClient cluster) =>
            cluster.GetGrain<IChallengesGrain>(InputRules.RequireId(communityId, "community id")).List());

        api.MapPost("/gamification/challenges", async (string communityId, Challenge challenge, HttpContext http, IClusterClient cluster) =>
        {
            var id = InputRules.RequireId(communityId, "community id");
            var created = await cluster.GetGrain<IChallengesGrain>(id).Create(challenge, http.User.ToActor());
            return Results.Created($"/api/communities/{id}/gamification/challenges/{created.Id}", created);
        });

        api.MapPut("/me/gamification", async (string communityId, GamificationSettings settings, HttpContext http, IClusterClient cluster) =>
        {
            var key = new MemberKey(InputRules.RequireId(communityId, "community id"), http.User.ToActor().UserId);
            _ = await cluster.Member(key).Get() ?? throw new CommunityException(ErrorCodes.NotMember, $"Join community '{communityId}' first.");
            return await cluster.MemberPoints(key).SetTimeZone(settings.TimeZone ?? "");
        });

        // A channel's board says who talks there: it is shown only to those who may view the channel (not_found otherwise).
        api.MapGet("/channels/{channelId}/leaderboard", async (string communityId, string channelId, int? offset, int? limit, HttpContext http, IClusterClient cluster) =>
        {
            var channel = new Chat.ChannelKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(channelId, "channel id"));
            if (!(await cluster.Channel(channel).PermissionsOf(http.User.ToActor().UserId)).HasFlag(Access.Permissions.View))
            {
                throw CommunityException.NotFound($"Channel '{channel}'");
            }

            return await cluster.Leaderboard(new BoardKey(channel.CommunityId, Leaderboards.ForChannel(channel.ChannelId))).Page(offset ?? 0, InputRules.RequireLimit(limit, 20));
        });

        api.MapGet("/leaderboards/weeks", (string communityId, IClusterClient cluster) =>
            cluster.GetGrain<IWeeklyBoardsGrain>(InputRules.RequireId(communityId, "community id")).Past());

        api.MapGet("/leaderboards/{board}", (string communityId, string board, int? offset, int? limit, TimeProvider clock, IClusterClient cluster) =>
            Board(cluster, communityId, board, clock).Page(offset ?? 0, InputRules.RequireLimit(limit, 20)));

        api.MapGet("/leaderboards/{board}/me", async (string communityId, string board, HttpContext http, TimeProvider clock, IClusterClient cluster) =>
            await Board(cluster, communityId, board, clock).Me(http.User.ToActor().UserId) is { } entry ? Results.Ok(entry) : Results.NoContent());
    }

    private static ILeaderboardGrain Board(IClusterClient cluster, string communityId, string board, TimeProvider clock)
    {
        var id = board switch
        {
            Leaderboards.AllTime => board,
            "week" => Leaderboards.IsoWeek(clock.GetUtcNow()),
            _ when IsoWeek().IsMatch(board) => board,
            _ => throw CommunityException.Invalid("board is 'all', 'week' or an ISO week like 2026-W48."),
        };
        return cluster.Leaderboard(new BoardKey(InputRules.RequireId(communityId, "community id"), id));
    }

    [GeneratedRegex("^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoWeek();
}
