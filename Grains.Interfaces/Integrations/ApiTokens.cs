using CommunityScale.Communities;

namespace CommunityScale.Integrations;

/// <summary>The shape of an API token: <c>cst_&lt;32 hex id&gt;.&lt;secret&gt;</c>.</summary>
public static class ApiTokenFormat
{
    public const string Prefix = "cst_";

    /// <summary>Bot members' user ids start with this; sign-in refuses it for people.</summary>
    public const string BotUserPrefix = "bot-";

    public static bool IsBot(string userId) => userId.StartsWith(BotUserPrefix, StringComparison.Ordinal);
}

/// <summary>What an API token may do. A token is also bound to one community; everything else is refused.</summary>
public static class ApiScopes
{
    public const string ChatRead = "chat:read";
    public const string ChatWrite = "chat:write";
    public const string ThreadsRead = "threads:read";
    public const string ThreadsWrite = "threads:write";
    public const string MembersRead = "members:read";

    public static IReadOnlyList<string> All { get; } = [ChatRead, ChatWrite, ThreadsRead, ThreadsWrite, MembersRead];
}

/// <summary>A token as admins see it (never its secret). <see cref="BotUserId"/> is the member the token acts as.</summary>
[GenerateSerializer, Immutable, Alias("cs.ApiTokenInfo")]
public sealed record ApiTokenInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string CommunityId,
    [property: Id(2)] string Name,
    [property: Id(3)] IReadOnlyList<string> Scopes,
    [property: Id(4)] string BotUserId,
    [property: Id(5)] string CreatedBy,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset ExpiresAt,
    [property: Id(8)] bool Revoked);

/// <summary>A new token: <see cref="Token"/> (<c>cst_&lt;id&gt;.&lt;secret&gt;</c>) is shown here only; the server keeps its hash.</summary>
[GenerateSerializer, Immutable, Alias("cs.ApiTokenCreated")]
public sealed record ApiTokenCreated([property: Id(0)] ApiTokenInfo Info, [property: Id(1)] string Token);

/// <summary>What a valid token grants: act as <see cref="BotUserId"/> in <see cref="CommunityId"/> within <see cref="Scopes"/>.</summary>
[GenerateSerializer, Immutable, Alias("cs.ApiTokenGrant")]
public sealed record ApiTokenGrant(
    [property: Id(0)] string TokenId,
    [property: Id(1)] string CommunityId,
    [property: Id(2)] string BotUserId,
    [property: Id(3)] string Name,
    [property: Id(4)] IReadOnlyList<string> Scopes);

/// <summary>A community's API tokens (key: community id): admins create, list and revoke them.</summary>
[Alias("cs.IApiTokenRegistryGrain")]
public interface IApiTokenRegistryGrain : IGrainWithStringKey
{
    [Alias("Create")]
    Task<ApiTokenCreated> Create(string name, IReadOnlyList<string> scopes, int lifetimeDays, Actor caller);

    [Alias("List")]
    Task<IReadOnlyList<ApiTokenInfo>> List(Actor caller);

    [Alias("Revoke")]
    Task<ApiTokenInfo> Revoke(string tokenId, Actor caller);
}

/// <summary>One token (key: token id): its hash, scopes, expiry and revocation; asked on every use.</summary>
[Alias("cs.IApiTokenGrain")]
public interface IApiTokenGrain : IGrainWithStringKey
{
    [Alias("Create")]
    Task Create(ApiTokenInfo info, byte[] secretHash);

    /// <summary>The grant when the secret's hash matches and the token is neither revoked nor expired; otherwise null.</summary>
    [Alias("Validate")]
    Task<ApiTokenGrant?> Validate(byte[] secretHash);

    /// <summary>Still usable (for re-checks on a long-lived connection, where the secret was checked at connect).</summary>
    [Alias("IsActive")]
    Task<bool> IsActive();

    [Alias("Revoke")]
    Task<ApiTokenInfo> Revoke();

    [Alias("Get")]
    Task<ApiTokenInfo?> Get();
}
