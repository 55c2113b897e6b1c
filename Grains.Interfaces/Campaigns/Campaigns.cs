using CommunityScale.Communities;

namespace CommunityScale.Campaigns;

/// <summary>Where a campaign's actions count: these channels, threads and events (an event's session channels too). All empty: everywhere.</summary>
[GenerateSerializer, Immutable, Alias("cs.CampaignScope")]
public sealed record CampaignScope(
    [property: Id(0)] IReadOnlyList<string>? ChannelIds = null,
    [property: Id(1)] IReadOnlyList<string>? ThreadIds = null,
    [property: Id(2)] IReadOnlyList<string>? EventIds = null)
{
    public static CampaignScope Everywhere { get; } = new();
}

/// <summary>A challenge that runs for exactly the campaign's window (its id becomes <c>campaignId-id</c>).</summary>
[GenerateSerializer, Immutable, Alias("cs.NewCampaignChallenge")]
public sealed record NewCampaignChallenge(
    [property: Id(0)] string Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string Kind,
    [property: Id(3)] int Target,
    [property: Id(4)] int BonusPoints);

/// <summary><c>POST /api/communities/{c}/campaigns</c> (admins).</summary>
[GenerateSerializer, Immutable, Alias("cs.NewCampaign")]
public sealed record NewCampaign(
    [property: Id(0)] string Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string? Description,
    [property: Id(3)] DateTimeOffset StartsAt,
    [property: Id(4)] DateTimeOffset EndsAt,
    [property: Id(5)] double Multiplier,
    [property: Id(6)] CampaignScope? Scope = null,
    [property: Id(7)] Segment? Segment = null,
    [property: Id(8)] IReadOnlyList<string>? Actions = null,
    [property: Id(9)] IReadOnlyList<NewCampaignChallenge>? Challenges = null);

/// <summary>What a campaign has achieved so far: distinct members who earned in it, posts in scope, points earned in it.</summary>
[GenerateSerializer, Immutable, Alias("cs.CampaignFigures")]
public sealed record CampaignFigures([property: Id(0)] long Participants, [property: Id(1)] long Posts, [property: Id(2)] long Points);

/// <summary>
/// A time-boxed campaign. Inside [<see cref="StartsAt"/>, <see cref="EndsAt"/>), actions of <see cref="Actions"/> (all
/// when empty) in <see cref="Scope"/> by members of <see cref="Segment"/> earn <see cref="Multiplier"/> times their points.
/// <see cref="Status"/> is <c>scheduled</c>, <c>running</c> or <c>ended</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.Campaign")]
public sealed record Campaign(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string Id,
    [property: Id(2)] string Title,
    [property: Id(3)] string Description,
    [property: Id(4)] DateTimeOffset StartsAt,
    [property: Id(5)] DateTimeOffset EndsAt,
    [property: Id(6)] double Multiplier,
    [property: Id(7)] CampaignScope Scope,
    [property: Id(8)] Segment Segment,
    [property: Id(9)] IReadOnlyList<string> Actions,
    [property: Id(10)] IReadOnlyList<string> ChallengeIds,
    [property: Id(11)] IReadOnlyList<string> SessionChannelIds,
    [property: Id(12)] string CreatedBy,
    [property: Id(13)] string Status,
    [property: Id(14)] CampaignFigures Figures)
{
    public bool Covers(DateTimeOffset at) => at >= StartsAt && at < EndsAt;
}

/// <summary>One member's share of a batch of awards in a campaign, reported by their points grain.</summary>
[GenerateSerializer, Immutable, Alias("cs.CampaignContribution")]
public sealed record CampaignContribution(
    [property: Id(0)] string UserId,
    [property: Id(1)] long Points,
    [property: Id(2)] long Posts,
    [property: Id(3)] bool NewParticipant);

/// <summary>One campaign (key: <c>community/campaignId</c>): its definition, its start notice (by reminder) and figures.</summary>
[Alias("cs.ICampaignGrain")]
public interface ICampaignGrain : IGrainWithStringKey
{
    [Alias("Create")]
    Task<Campaign> Create(NewCampaign campaign, Actor caller);

    [Alias("Get")]
    Task<Campaign> Get();

    [Alias("Record")]
    Task Record(CampaignContribution contribution);
}

/// <summary>A community's campaigns (key: community id): those running, scheduled or ended within 30 days.</summary>
[Alias("cs.ICampaignDirectoryGrain")]
public interface ICampaignDirectoryGrain : IGrainWithStringKey
{
    [Alias("Add")]
    Task Add(Campaign campaign);

    /// <summary>The definitions (without live figures), oldest start first; what points grains apply.</summary>
    [Alias("List")]
    Task<IReadOnlyList<Campaign>> List();
}
