using Orleans.Concurrency;

namespace CommunityScale.Communities;

/// <summary>One user's membership of one community (key: <c>community/user</c>, see <see cref="MemberKey"/>).</summary>
[Alias("cs.IMemberGrain")]
public interface IMemberGrain : IGrainWithStringKey
{
    /// <summary>Records the membership if there is none yet, with the consent given on joining; returns the membership in force.</summary>
    [Alias("EnrollWithConsent")]
    Task<MemberInfo> Enroll(string displayName, MemberRole role, Privacy.ConsentGiven consent);

    /// <summary>
    /// Records a consent (accepting the guidelines in force, <paramref name="currentVersion"/>, or changing the marketing
    /// choice); the history keeps every one.
    /// </summary>
    [Alias("Consent")]
    Task<MemberInfo> Consent(Privacy.ConsentGiven consent, int currentVersion);

    /// <summary>Deletes the membership with its sanctions and consent history (the last step of an erasure).</summary>
    [Alias("Erase")]
    Task Erase();

    [Alias("GetConsents")]
    Task<IReadOnlyList<Privacy.ConsentRecord>> GetConsents();

    /// <summary>The membership, or null when the user is not a member.</summary>
    /// <remarks>
    /// Interleaved, like <see cref="TakePostingBudget"/>: both are on every channel's send path and read memory only, so
    /// they must not wait behind a turn of the member's own that waits for storage (a write-behind tick, an outbox
    /// round): in the chaos soak such waits outlasted a frozen Azurite and timed sends out for seconds after it was back.
    /// </remarks>
    [Alias("Get")]
    [AlwaysInterleave]
    Task<MemberInfo?> Get();

    /// <summary>
    /// Records and applies a sanction (moderation grains only; they check the caller's role). Idempotent on its id. Its
    /// audit entry and the member's notice are stored with it and have arrived when answered (unless their receivers lag).
    /// </summary>
    [Alias("Sanction")]
    Task<MemberInfo> Sanction(Moderation.Sanction sanction);

    /// <summary>
    /// Revokes one sanction: a warning stops counting; a mute or ban it imposed is lifted. Returns the member and the
    /// sanction. With a <paramref name="note"/>, its audit entry and the member's notice are stored with the change;
    /// without, the caller records its own (an appeal's outcome is the review queue's).
    /// </summary>
    [Alias("Revoke")]
    Task<(MemberInfo Member, Moderation.Sanction Sanction)> Revoke(string sanctionId, Moderation.ModerationNote? note);

    /// <summary>Lifts every active sanction of a kind (unmute, unban); its audit entry and notice are stored with it.</summary>
    [Alias("Lift")]
    Task<MemberInfo> Lift(Moderation.SanctionKind kind, Moderation.ModerationNote note);

    /// <summary>Marks a sanction appealed (each may be appealed once); not_found or invalid otherwise.</summary>
    [Alias("MarkAppealed")]
    Task<Moderation.Sanction> MarkAppealed(string sanctionId);

    [Alias("GetSanctions")]
    Task<IReadOnlyList<Moderation.Sanction>> GetSanctions();

    /// <summary>
    /// Counts channels' accepted messages by this member towards trust (on behalf of the member's points grain, which
    /// gathers what channels hand it and passes it on once per write): days active, messages, and the trust level the
    /// thresholds give while no warning is active. A seq already counted for its channel is not counted again, so a
    /// round handed over twice (after a crash) counts once. Answers the membership (null: not a member).
    /// </summary>
    [Alias("CountChannelsMessages")]
    Task<MemberInfo?> CountMessages(IReadOnlyList<ChannelSeqs> channels, DateTimeOffset at, IReadOnlyList<Moderation.TrustThreshold> levels);

    /// <summary>Replaces the member's profile values (already checked against the community's fields).</summary>
    [Alias("SetProfile")]
    Task<MemberInfo> SetProfile(IReadOnlyDictionary<string, IReadOnlyList<string>> profile);

    /// <summary>
    /// The membership, and up to <paramref name="wanted"/> posts the member may still make in the community within
    /// <paramref name="window"/> (the community-wide flood limit: at most <paramref name="limit"/> per window over every
    /// channel and thread). Posting gates ask for one post at a time, on every post of a member below moderator: posts
    /// leased ahead to one channel would be counted here and stranded when the member moved on, so the limit would not be
    /// exact (<c>PostingGate.RequirePostingBudget</c>).
    /// </summary>
    [Alias("TakePostingBudget")]
    [AlwaysInterleave]
    Task<PostingBudget> TakePostingBudget(int wanted, int limit, TimeSpan window);

    /// <summary>Sets the member's rank and custom roles (already checked by the community's access grain); the owner's rank stays.</summary>
    [Alias("SetRoles")]
    Task<MemberInfo> SetRoles(MemberRole rank, IReadOnlyList<string> roles);
}

/// <summary>Accepted messages of one channel, by seq, counted towards an author's trust.</summary>
[GenerateSerializer, Immutable, Alias("cs.ChannelSeqs")]
public sealed record ChannelSeqs([property: Id(0)] string ChannelId, [property: Id(1)] IReadOnlyList<long> Seqs);

/// <summary>A membership (null: not a member) with the posts granted from the community-wide flood limit, or how long until one is.</summary>
[GenerateSerializer, Immutable, Alias("cs.PostingBudget")]
public sealed record PostingBudget([property: Id(0)] MemberInfo? Member, [property: Id(1)] int Granted, [property: Id(2)] TimeSpan RetryAfter);
