using CommunityScale.Campaigns;
using CommunityScale.Integrations;
using CommunityScale.Scheduling;

namespace CommunityScale.Gamification;

/// <summary>
/// What an award needs from its community (points rules, challenges, campaigns, the webhook kinds some endpoint
/// wants), each remembered for <see cref="Lifetime"/>: awards are the hot path of every message, and each of these is
/// one grain per community. A change reaches awards within that time.
/// </summary>
public sealed class AwardLookups(IGrainFactory grains, string communityId)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    private readonly Remembered<PointsRules> _rules = new(Lifetime);
    private readonly Remembered<IReadOnlyList<Challenge>> _challenges = new(Lifetime);
    private readonly Remembered<IReadOnlyList<Campaign>> _campaigns = new(Lifetime);
    private readonly Remembered<IReadOnlyCollection<string>> _webhooks = new(Lifetime);

    public Task<PointsRules> Rules() => _rules.Get(() => grains.GetGrain<IPointsRulesGrain>(communityId).Get());

    public Task<IReadOnlyList<Challenge>> Challenges() => _challenges.Get(() => grains.GetGrain<IChallengesGrain>(communityId).List());

    public Task<IReadOnlyList<Campaign>> Campaigns() => _campaigns.Get(() => grains.GetGrain<ICampaignDirectoryGrain>(communityId).List());

    /// <summary>Events nobody takes are not recorded (nor is the outbox's reminder armed for them).</summary>
    public Task<IReadOnlyCollection<string>> WantedWebhooks() =>
        _webhooks.Get(async () => (IReadOnlyCollection<string>)[.. await grains.GetGrain<IWebhookRegistryGrain>(communityId).GetWantedKinds()]);
}
