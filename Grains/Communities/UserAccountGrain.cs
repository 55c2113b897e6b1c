using CommunityScale.Scheduling;
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
    private readonly StateWriter<UserAccountState> _writer = new(state);

    public async Task AddCommunity(string communityId)
    {
        if (!_writer.State.Communities.Contains(communityId, StringComparer.Ordinal))
        {
            _writer.State.Communities.Add(communityId);
            await _writer.Write();
        }
    }

    public async Task RemoveCommunity(string communityId)
    {
        if (_writer.State.Communities.Remove(communityId))
        {
            if (_writer.State.Communities.Count == 0)
            {
                await _writer.Clear();
                _writer.State.StreamKey = null;
                return;
            }

            await _writer.Write();
        }
    }

    public async Task<string> GetStreamKey()
    {
        if (_writer.State.StreamKey is null)
        {
            _writer.State.StreamKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            await _writer.Write();
        }

        return _writer.State.StreamKey;
    }

    public Task<IReadOnlyList<string>> GetCommunities() => Task.FromResult<IReadOnlyList<string>>([.. _writer.State.Communities]);
}
