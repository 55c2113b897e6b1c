using System.Security.Cryptography;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Integrations;

[GenerateSerializer, Alias("cs.ApiTokenState")]
public sealed class ApiTokenState
{
    [Id(0)] public ApiTokenInfo? Info { get; set; }

    [Id(1)] public byte[] SecretHash { get; set; } = [];
}

/// <summary>One API token. Only the SHA-256 of its secret is stored (the secret is 256 random bits, so a fast hash is enough).</summary>
public sealed class ApiTokenGrain(
    [PersistentState("token", StorageNames.Main)] IPersistentState<ApiTokenState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock) : Grain, IApiTokenGrain
{
    private readonly StateWriter<ApiTokenState> _writer = new(state);

    public async Task Create(ApiTokenInfo info, byte[] secretHash)
    {
        if (_writer.State.Info is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, "This token already exists.");
        }

        _writer.State.Info = info;
        _writer.State.SecretHash = secretHash;
        await _writer.Write();
    }

    public Task<ApiTokenGrant?> Validate(byte[] secretHash) => Task.FromResult(
        Active() && CryptographicOperations.FixedTimeEquals(secretHash, _writer.State.SecretHash) && _writer.State.Info is { } info
            ? new ApiTokenGrant(info.Id, info.CommunityId, info.BotUserId, info.Name, info.Scopes)
            : null);

    public Task<bool> IsActive() => Task.FromResult(Active());

    public async Task<ApiTokenInfo> Revoke()
    {
        var info = _writer.State.Info ?? throw CommunityException.NotFound("Token");
        if (!info.Revoked)
        {
            _writer.State.Info = info with { Revoked = true };
            await _writer.Write();
        }

        return _writer.State.Info;
    }

    public Task<ApiTokenInfo?> Get() => Task.FromResult(_writer.State.Info);

    private bool Active() => _writer.State.Info is { Revoked: false } info && info.ExpiresAt > clock.GetUtcNow();
}

[GenerateSerializer, Alias("cs.ApiTokenRegistryState")]
public sealed class ApiTokenRegistryState
{
    [Id(0)] public List<string> TokenIds { get; set; } = [];
}

/// <summary>
/// A community's tokens. Creating one also enrolls its bot as a member, so the bot's messages go through membership,
/// moderation and rate limits exactly like a person's.
/// </summary>
public sealed class ApiTokenRegistryGrain(
    [PersistentState("tokens", StorageNames.Main)] IPersistentState<ApiTokenRegistryState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock) : Grain, IApiTokenRegistryGrain
{
    private readonly StateWriter<ApiTokenRegistryState> _writer = new(state);

    public const int MaxTokens = 50;
    public const int MaxLifetimeDays = 365;

    private string CommunityId => this.GetPrimaryKeyString();

    public async Task<ApiTokenCreated> Create(string name, IReadOnlyList<string> scopes, int lifetimeDays, Actor caller)
    {
        var botName = InputRules.RequireName(name, "name");
        var granted = (scopes ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (granted.Count == 0 || granted.Any(s => !ApiScopes.All.Contains(s, StringComparer.Ordinal)))
        {
            throw CommunityException.Invalid($"scopes must name 1 or more of: {string.Join(", ", ApiScopes.All)}.");
        }

        if (lifetimeDays is < 1 or > MaxLifetimeDays)
        {
            throw CommunityException.Invalid($"expiresInDays must be between 1 and {MaxLifetimeDays}.");
        }

        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only admins and the owner create API tokens.");
        if (_writer.State.TokenIds.Count >= MaxTokens)
        {
            throw CommunityException.Invalid($"A community has at most {MaxTokens} tokens; revoke one first.");
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = clock.GetUtcNow();
        var info = new ApiTokenInfo(id, CommunityId, botName, granted, $"{ApiTokenFormat.BotUserPrefix}{id[..16]}", caller.UserId, now, now.AddDays(lifetimeDays), false);
        await GrainFactory.Member(CommunityId, info.BotUserId).Enroll(botName, MemberRole.Member, new Privacy.ConsentGiven(0));
        await GrainFactory.GetGrain<IApiTokenGrain>(id).Create(info, SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));
        _writer.State.TokenIds.Add(id);
        await _writer.Write();
        return new ApiTokenCreated(info, $"{ApiTokenFormat.Prefix}{id}.{secret}");
    }

    public async Task<IReadOnlyList<ApiTokenInfo>> List(Actor caller)
    {
        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only admins and the owner see API tokens.");
        var infos = await Task.WhenAll(_writer.State.TokenIds.Select(id => GrainFactory.GetGrain<IApiTokenGrain>(id).Get()));
        return [.. infos.OfType<ApiTokenInfo>().OrderBy(t => t.CreatedAt)];
    }

    public async Task<ApiTokenInfo> Revoke(string tokenId, Actor caller)
    {
        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only admins and the owner revoke API tokens.");
        return tokenId is not null && _writer.State.TokenIds.Contains(tokenId)
            ? await GrainFactory.GetGrain<IApiTokenGrain>(tokenId).Revoke()
            : throw CommunityException.NotFound("Token");
    }
}
