namespace CommunityScale.Access;

/// <summary>Who may see a community and how one joins it.</summary>
[GenerateSerializer, Alias("cs.CommunityVisibility")]
public enum CommunityVisibility
{
    /// <summary>Anyone signed in sees it, reads what everyone may view, and joins.</summary>
    Public = 0,

    /// <summary>Anyone signed in sees that it exists; members only read; one joins by invite or by a request a moderator approves.</summary>
    Restricted = 1,

    /// <summary>Invisible to non-members (<c>not_found</c>); one joins by invite only.</summary>
    Private = 2,
}

/// <summary>An invite link's record: its code is the secret in the link.</summary>
[GenerateSerializer, Immutable, Alias("cs.Invite")]
public sealed record Invite(
    [property: Id(0)] string Code,
    [property: Id(1)] string CreatedBy,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] DateTimeOffset? ExpiresAt,
    [property: Id(4)] int MaxUses,
    [property: Id(5)] int Uses = 0,
    [property: Id(6)] bool Revoked = false)
{
    /// <summary>Why the invite cannot be used now, or null when it can.</summary>
    public string? RefusalAt(DateTimeOffset now) =>
        Revoked ? "This invite was revoked."
        : ExpiresAt is { } expires && now >= expires ? "This invite has expired."
        : MaxUses > 0 && Uses >= MaxUses ? "This invite has been used up."
        : null;
}

/// <summary>A signed-in user's request to join a restricted community, with the consent they gave.</summary>
[GenerateSerializer, Immutable, Alias("cs.JoinRequest")]
public sealed record JoinRequest(
    [property: Id(0)] string UserId,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] Privacy.ConsentGiven Consent);

/// <summary>What a community's access stores hold about one member: the places with an override naming them, the invites they made, their waiting request.</summary>
[GenerateSerializer, Immutable, Alias("cs.MemberAccessTrace")]
public sealed record MemberAccessTrace(
    [property: Id(0)] IReadOnlyList<string> OverridePlaces,
    [property: Id(1)] IReadOnlyList<Invite> InvitesCreated,
    [property: Id(2)] JoinRequest? JoinRequest)
{
    public static MemberAccessTrace Empty { get; } = new([], [], null);
}
