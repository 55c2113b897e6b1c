namespace CommunityScale.Gateway.Api;

public sealed record DevTokenRequest(string? UserId, string? DisplayName);

public sealed record DevTokenResponse(string Token);

public sealed record CreateCommunityRequest(string? Id, string? Name, Access.CommunityVisibility? Visibility = null);

public sealed record CreateChannelRequest(string? Id, string? Name, int? MaxMessageLength);

public sealed record GuidelinesRequest(string? Text);

public sealed record RetentionRequest(int MessageDays);

/// <summary>One of the caller's communities (<c>GET /api/me/communities</c>).</summary>
public sealed record MyCommunity(CommunityScale.Communities.CommunityInfo Community, CommunityScale.Communities.MemberInfo Membership);

/// <summary>Everything the platform holds about the caller (<c>GET /api/me/export</c>): each membership's data and the account's notification settings.</summary>
public sealed record AccountExport(string UserId, DateTimeOffset ExportedAt, IReadOnlyList<CommunityScale.Privacy.MemberDataExport> Communities, IReadOnlyList<string> MutedNotificationKinds);
