using System.Globalization;
using System.Text;
using CommunityScale.Campaigns;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gateway.Auth;
using CommunityScale.Insights;

namespace CommunityScale.Gateway.Api;

/// <summary>KPIs for community managers: a report over a date range and segment, as JSON or CSV; a campaign's KPIs.</summary>
public static class InsightsEndpoints
{
    public static void MapInsightsApi(this WebApplication app)
    {
        var community = app.MapGroup("/api/communities/{communityId}").RequireAuthorization().WithTags("Insights").Gated(CommunityGateMode.Exists);

        community.MapGet("/kpis", (string communityId, string? from, string? to, string? segment, HttpContext http, IClusterClient cluster) =>
            Report(cluster, communityId, from, to, segment, http));

        community.MapGet("/kpis.csv", async (string communityId, string? from, string? to, string? segment, HttpContext http, IClusterClient cluster) =>
            Results.Text(Csv(await Report(cluster, communityId, from, to, segment, http)), "text/csv; charset=utf-8"));

        community.MapGet("/campaigns/{campaignId}/kpis", async (string communityId, string campaignId, HttpContext http, IClusterClient cluster) =>
        {
            var id = InputRules.RequireId(communityId, "community id");
            var campaign = await cluster.Campaign(new CampaignKey(id, InputRules.RequireId(campaignId, "campaign id"))).Get();
            var last = campaign.EndsAt.AddTicks(-1);
            return await cluster.GetGrain<ICommunityKpisGrain>(id).Report(
                DateOnly.FromDateTime(campaign.StartsAt.UtcDateTime), DateOnly.FromDateTime(last.UtcDateTime), campaign.Segment, http.User.ToActor());
        });
    }

    private static Task<KpiReport> Report(IClusterClient cluster, string communityId, string? from, string? to, string? segment, HttpContext http) =>
        cluster.GetGrain<ICommunityKpisGrain>(InputRules.RequireId(communityId, "community id"))
            .Report(Day(from, "from"), Day(to, "to"), ParseSegment(segment), http.User.ToActor());

    private static DateOnly Day(string? value, string what) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw CommunityException.Invalid($"{what} must be a date like 2026-11-24.");

    /// <summary><c>industry:retail,interests:football</c> → a segment; empty → everyone.</summary>
    public static Segment ParseSegment(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Segment.Everyone;
        }

        var where = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !where.TryAdd(InputRules.RequireId(part[..colon], "segment field"), InputRules.RequireId(part[(colon + 1)..], "segment value")))
            {
                throw CommunityException.Invalid("segment is field:value pairs separated by commas, each field once.");
            }
        }

        return new Segment(where);
    }

    /// <summary>The daily series, one row per day, for spreadsheets (sentiment: scored texts per class and their shares).</summary>
    public static string Csv(KpiReport report)
    {
        var csv = new StringBuilder("day,active_members,posts,replies,reactions,engagement_per_post,joined,"
            + "sentiment_scored,sentiment_negative,sentiment_neutral,sentiment_positive,negative_share,neutral_share,positive_share\n");
        foreach (var d in report.Days)
        {
            var s = d.Sentiment ?? KpiSentimentShares.None;
            csv.Append(CultureInfo.InvariantCulture, $"{d.Day:yyyy-MM-dd},{d.ActiveMembers},{d.Posts},{d.Replies},{d.Reactions},{d.EngagementPerPost},{d.Joined},");
            csv.Append(CultureInfo.InvariantCulture, $"{s.Scored},{s.Negative},{s.Neutral},{s.Positive},{s.NegativeShare},{s.NeutralShare},{s.PositiveShare}\n");
        }

        return csv.ToString();
    }
}
