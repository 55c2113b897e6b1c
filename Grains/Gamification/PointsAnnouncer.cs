using CommunityScale.FollowUps;
using CommunityScale.Insights;
using CommunityScale.Integrations;
using CommunityScale.Streams;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace CommunityScale.Gamification;

/// <summary>
/// What follows an award best effort: the live stream as each award is made; after the awards are stored, what is
/// derived from the stored totals, which the next award puts right if a call is lost (the boards, absolute totals; the
/// change feed's mark; campaign boards and figures), and the KPI deltas, one-way: a crash loses a delta, never an
/// award. Nothing here throws.
/// </summary>
public sealed partial class PointsAnnouncer(
    IGrainFactory grains, GatheredUpdates gathered, MemberKey key, Func<MemberPointsState> state, PointsLedger ledger, Func<Task<IAsyncStream<MemberStreamEvent>>> memberStream, ILogger logger)
{
    // The community's weekly rollover is armed from its first weekly points; once per activation is enough.
    private bool _weeklyRolloverArmed;

    private MemberPointsState S => state();

    /// <summary>
    /// The KPIs' day buckets, gathered with the silo's other points grains' (one call per week bucket per
    /// <c>Points:BoardDelay</c>, not one per author and write). Best effort: additive counters that a repeat would count
    /// twice, so never re-sent.
    /// </summary>
    public void ReportActivity(KpiDeltas kpis, IReadOnlyDictionary<string, IReadOnlyList<string>>? profile)
    {
        var tags = KpiMath.Tags(profile);
        foreach (var activity in kpis.For(key.UserId, tags))
        {
            gathered.Record(key.CommunityId, activity);
        }
    }

    /// <summary>The reactors' own activity, recorded by their points grains with their profile (one-way, as above).</summary>
    public void ForwardGiven(IReadOnlyList<ActivityEvent> given)
    {
        foreach (var reaction in given)
        {
            grains.MemberPoints(key.CommunityId, reaction.UserId).Record([reaction]).Ignore();
        }
    }

    /// <summary>The CRM change feed's mark (written behind there too: the member reappears with their next change).</summary>
    public void Touch() => gathered.Touch(key.CommunityId, key.UserId);

    /// <summary>Campaign boards (absolute totals) and figures.</summary>
    public async Task Campaigns(IEnumerable<(string CampaignId, Campaigns.CampaignContribution Contribution)> contributions)
    {
        foreach (var (campaignId, contribution) in contributions)
        {
            try
            {
                gathered.Set(key.CommunityId, Leaderboards.ForCampaign(campaignId), key.UserId, S.DisplayName, S.CampaignPoints.GetValueOrDefault(campaignId));
                await grains.Campaign(new CampaignKey(key.CommunityId, campaignId)).Record(contribution);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogAnnounceFailed(logger, ex, key.ToString());
            }
        }
    }

    /// <summary>New badges on the member's live stream (their notices and webhooks are in the outbox).</summary>
    public async Task Badges(IReadOnlyList<Badge> earned)
    {
        foreach (var badge in earned)
        {
            try
            {
                await (await memberStream()).OnNextAsync(new BadgePosted(new BadgeEarned(key.CommunityId, key.UserId, badge)));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogAnnounceFailed(logger, ex, key.ToString());
            }
        }
    }

    /// <summary>The boards: absolute totals, so one update after many awards says all of them (gathered on the silo).</summary>
    public void Boards()
    {
        gathered.Set(key.CommunityId, Leaderboards.AllTime, key.UserId, S.DisplayName, S.Points);
        if (S.Week.Length > 0)
        {
            gathered.Set(key.CommunityId, S.Week, key.UserId, S.DisplayName, S.WeekPoints);
            if (!_weeklyRolloverArmed)
            {
                // Idempotent, and asked again by every activation: nothing is lost if this one-way call is.
                grains.GetGrain<IWeeklyBoardsGrain>(key.CommunityId).Ensure().Ignore();
                _weeklyRolloverArmed = true;
            }
        }

        foreach (var channel in ledger.ChangedChannels)
        {
            gathered.Set(key.CommunityId, Leaderboards.ForChannel(channel), key.UserId, S.DisplayName, S.ChannelPoints.GetValueOrDefault(channel));
        }

        ledger.ChangedChannels.Clear();
    }

    /// <summary>Each award on the member's live stream, as it is made.</summary>
    public async Task Posted(IReadOnlyList<PointsAwarded> awards)
    {
        try
        {
            var stream = await memberStream();
            foreach (var award in awards)
            {
                await stream.OnNextAsync(new PointsPosted(award));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAnnounceFailed(logger, ex, key.ToString());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Updating leaderboards or publishing points for {Member} failed; the next award corrects the boards")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception ex, string member);
}
