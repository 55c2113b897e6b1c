using CommunityScale.Communities;

namespace CommunityScale.Moderation;

/// <summary>
/// A community's automatic moderation rules, applied to every message before it is accepted.
/// <see cref="ClassifierThreshold"/>: messages the spam/abuse classifier scores at or above it are refused (or, with
/// <see cref="HoldInsteadOfRefuse"/>, held for a moderator's review); 0 = off.
/// <see cref="AutoSlowModeThreshold"/>: more messages than this in 10 s switch a channel's slow mode on by itself
/// (<see cref="AutoSlowModeSeconds"/>), and a calm minute switches it off again; 0 = off.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ModerationPolicy")]
public sealed record ModerationPolicy(
    [property: Id(0)] IReadOnlyList<string> BlockedTerms,
    [property: Id(1)] IReadOnlyList<string> AllowedWords,
    [property: Id(2)] IReadOnlyList<string> AllowedLinkDomains,
    [property: Id(3)] IReadOnlyList<string> DeniedLinkDomains,
    [property: Id(4)] int MinTrustLevelForLinks,
    [property: Id(5)] int MaxMentions,
    [property: Id(6)] int DuplicateWindowSeconds,
    [property: Id(7)] long Version,
    [property: Id(8)] double ClassifierThreshold = 0,
    [property: Id(9)] int AutoSlowModeThreshold = 0,
    [property: Id(10)] int AutoSlowModeSeconds = 10,
    [property: Id(11)] bool HoldInsteadOfRefuse = false)
{
    public const int MaxTerms = 10_000;
    public const int MaxTermLength = 100;
    public const int MaxDomains = 1_000;

    public static ModerationPolicy Default { get; } = new([], [], [], [], 0, 5, 30, 0);
}

/// <summary>A change to the policy (<c>PUT /api/communities/{c}/moderation/policy</c>); what is null stays as it is.</summary>
[GenerateSerializer, Immutable, Alias("cs.ModerationPolicyUpdate")]
public sealed record ModerationPolicyUpdate(
    [property: Id(0)] IReadOnlyList<string>? BlockedTerms,
    [property: Id(1)] IReadOnlyList<string>? AllowedWords,
    [property: Id(2)] IReadOnlyList<string>? AllowedLinkDomains,
    [property: Id(3)] IReadOnlyList<string>? DeniedLinkDomains,
    [property: Id(4)] int? MinTrustLevelForLinks,
    [property: Id(5)] int? MaxMentions,
    [property: Id(6)] int? DuplicateWindowSeconds,
    [property: Id(7)] double? ClassifierThreshold = null,
    [property: Id(8)] int? AutoSlowModeThreshold = null,
    [property: Id(9)] int? AutoSlowModeSeconds = null,
    [property: Id(10)] bool? HoldInsteadOfRefuse = null);

/// <summary>A community's moderation policy (key: community id). Only moderators, admins and the owner change it.</summary>
[Alias("cs.IModerationPolicyGrain")]
public interface IModerationPolicyGrain : IGrainWithStringKey
{
    /// <summary>The policy in force (for the channels that apply it).</summary>
    [Alias("Get")]
    Task<ModerationPolicy> Get();

    /// <summary>The policy, for a moderator to see: members do not get the list of blocked terms.</summary>
    [Alias("Read")]
    Task<ModerationPolicy> Read(Actor caller);

    [Alias("Update")]
    Task<ModerationPolicy> Update(ModerationPolicyUpdate update, Actor caller);
}
