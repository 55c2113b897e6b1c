using CommunityScale.Streams;

namespace CommunityScale.Communities;

[GenerateSerializer, Alias("cs.UserAccountState")]
public sealed class UserAccountState
{
    [Id(0)] public List<string> Communities { get; set; } = [];

    [Id(1)] public string? StreamKey { get; set; }
}

/// <summary>The communities one user belongs to. Written before the membership itself, so it never misses one.</summary>
public sealed class UserAccountGrain(
    [PersistentState("account", StorageNames.Main)] IPersistentState<UserAccountState> state) : Grain, IUserAccountGrain
{
    public async Task AddCommunity(string communityId)
    {
        if (!state.State.Communities.Contains(communityId, StringComparer.Ordinal))
        {
            state.State.Communities.Add(communityId);
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveCommunity(string communityId)
    {
        if (state.State.Communities.Remove(communityId))
        {
            if (state.State.Communities.Count == 0)
            {
                await state.ClearStateAsync();
                state.State.StreamKey = null;
                return;
            }

            await state.WriteStateAsync();
        }
    }

    public async Task<string> GetStreamKey()
    {
        if (state.State.StreamKey is null)
        {
            state.State.StreamKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            await state.WriteStateAsync();
        }

        return state.State.StreamKey;
    }

    public Task<IReadOnlyList<string>> GetCommunities() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Communities]);
}
