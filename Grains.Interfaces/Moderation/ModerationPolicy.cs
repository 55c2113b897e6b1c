using CommunityScale.Communities;

namespace CommunityScale.Moderation;

/// <summary>
/// A community's automatic moderation rules, applied to every message before it is accepted.
/// <see cref="ClassifierThreshold"/>: messages the spam/abuse classifier scores at or above it are refused (or, with
/// <see cref="HoldInsteadOfRefuse"/>, held for a moderator's review); 0 = off.
/// <see cref="AutoSlowModeThreshold"/>: more messages than this in 10 s switch a channel's slow mode on by itself
/// (<see cref="AutoSlowModeSeconds"/>), and a calm minute switches it off again; 0 = off.
/// <see cref="ReportsToHide"/>: this many members reporting a message hide it until a moderator decides.
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
    [property: Id(11)] bool HoldInsteadOfRefuse = false,
    [property: Id(12)] int ReportsToHide = 3,
    [property: Id(13)] IReadOnlyList<StrikeStep>? StrikeLadder = null,
    [property: Id(14)] IReadOnlyList<TrustThreshold>? TrustLevels = null,
    [property: Id(15)] int GuidelinesVersion = 0)
{
    public const int MaxTerms = 10_000;
    public const int MaxTermLength = 100;
    public const int MaxDomains = 1_000;

    public const int MaxLadderSteps = 10;

    /// <summary>3 warnings: muted 1 h; 4: muted 24 h; 5: banned.</summary>
    public static IReadOnlyList<StrikeStep> DefaultStrikeLadder { get; } = [new(3, 60, false), new(4, 24 * 60, false), new(5, 0, true)];

    /// <summary>Discourse-like: trust 1 after 1 active day and 10 accepted messages, 2 after 7 and 100, 3 after 30 and 500.</summary>
    public static IReadOnlyList<TrustThreshold> DefaultTrustLevels { get; } = [new(1, 1, 10), new(2, 7, 100), new(3, 30, 500)];

    public static ModerationPolicy Default { get; } = new([], [], [], [], 0, 5, 30, 0, StrikeLadder: DefaultStrikeLadder, TrustLevels: DefaultTrustLevels);

    /// <summary>Fills what a policy stored before a setting existed with that setting's default.</summary>
    public ModerationPolicy WithDefaults() => this with
    {
        StrikeLadder = StrikeLadder ?? DefaultStrikeLadder,
        TrustLevels = TrustLevels ?? DefaultTrustLevels,
        ReportsToHide = ReportsToHide <= 0 ? 3 : ReportsToHide,
    };
}

/// <summary>
/// A rung of the strike ladder: on reaching <see cref="Warnings"/> active warnings the member is muted for
/// <see cref="MuteMinutes"/>, or banned when <see cref="Ban"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.StrikeStep")]
public sealed record StrikeStep([property: Id(0)] int Warnings, [property: Id(1)] int MuteMinutes, [property: Id(2)] bool Ban);

/// <summary>A member reaches trust <see cref="Level"/> after <see cref="DaysActive"/> days with accepted messages and <see cref="AcceptedMessages"/> of them, with no active warning.</summary>
[GenerateSerializer, Immutable, Alias("cs.TrustThreshold")]
public sealed record TrustThreshold([property: Id(0)] int Level, [property: Id(1)] int DaysActive, [property: Id(2)] int AcceptedMessages);

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
    [property: Id(10)] bool? HoldInsteadOfRefuse = null,
    [property: Id(11)] int? ReportsToHide = null,
    [property: Id(12)] IReadOnlyList<StrikeStep>? StrikeLadder = null,
    [property: Id(13)] IReadOnlyList<TrustThreshold>? TrustLevels = null);

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

    [Alias("GetGuidelines")]
    Task<Privacy.Guidelines> GetGuidelines();

    /// <summary>Publishes a new version of the guidelines (admins and the owner; audited): members must accept it before they post again.</summary>
    [Alias("PublishGuidelines")]
    Task<Privacy.Guidelines> PublishGuidelines(string text, Actor caller);
}
