namespace CommunityScale.Communities;

[GenerateSerializer, Alias("cs.MemberRole")]
public enum MemberRole
{
    Member = 0,
    Moderator = 1,
    Admin = 2,
    Owner = 3,
}

/// <summary>Who is acting: the authenticated user's id and display name, as the gateway read them from the token.</summary>
[GenerateSerializer, Immutable, Alias("cs.Actor")]
public sealed record Actor([property: Id(0)] string UserId, [property: Id(1)] string DisplayName);

[GenerateSerializer, Immutable, Alias("cs.CommunityInfo")]
public sealed record CommunityInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string OwnerId,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] Access.CommunityVisibility Visibility = Access.CommunityVisibility.Public);

[GenerateSerializer, Immutable, Alias("cs.MemberInfo")]
public sealed record MemberInfo(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string UserId,
    [property: Id(2)] string DisplayName,
    [property: Id(3)] MemberRole Role,
    [property: Id(4)] DateTimeOffset JoinedAt,
    [property: Id(5)] int TrustLevel = 0,
    [property: Id(6)] DateTimeOffset? MutedUntil = null,
    [property: Id(7)] string? BannedReason = null,
    [property: Id(8)] int Strikes = 0,
    [property: Id(9)] long AcceptedMessages = 0,
    [property: Id(10)] int DaysActive = 0,
    [property: Id(11)] IReadOnlyDictionary<string, IReadOnlyList<string>>? Profile = null,
    [property: Id(12)] int GuidelinesVersion = 0,
    [property: Id(13)] bool MarketingConsent = false,
    [property: Id(14)] IReadOnlyList<string>? Roles = null);

[GenerateSerializer, Immutable, Alias("cs.ChannelInfo")]
public sealed record ChannelInfo(
    [property: Id(0)] string CommunityId,
    [property: Id(1)] string Id,
    [property: Id(2)] string Name,
    [property: Id(3)] int MaxMessageLength,
    [property: Id(4)] string CreatedBy,
    [property: Id(5)] DateTimeOffset CreatedAt);
