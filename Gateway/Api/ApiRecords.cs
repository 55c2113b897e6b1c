namespace CommunityScale.Gateway.Api;

public sealed record DevTokenRequest(string? UserId, string? DisplayName);

public sealed record DevTokenResponse(string Token);

public sealed record CreateCommunityRequest(string? Id, string? Name);

public sealed record CreateChannelRequest(string? Id, string? Name, int? MaxMessageLength);
