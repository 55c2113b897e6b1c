using CommunityScale.Streams;

namespace CommunityScale.Communities;

[GenerateSerializer, Alias("cs.MemberState")]
public sealed class MemberState
{
    [Id(0)] public MemberInfo? Info { get; set; }
}

/// <summary>One user's membership of one community. Small on purpose: the community never holds its member list.</summary>
public sealed class MemberGrain(
    [PersistentState("member", StorageNames.Main)] IPersistentState<MemberState> state,
    TimeProvider clock) : Grain, IMemberGrain
{
    public async Task<MemberInfo> Enroll(string displayName, MemberRole role)
    {
        if (state.State.Info is { } existing)
        {
            return existing;
        }

        var key = this.GetPrimaryKeyString();
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        state.State.Info = new MemberInfo(key[..slash], key[(slash + 1)..], displayName, role, clock.GetUtcNow());
        await state.WriteStateAsync();
        return state.State.Info;
    }

    public Task<MemberInfo?> Get() => Task.FromResult(state.State.Info);

    public async Task<MemberInfo> Restrict(DateTimeOffset? mutedUntil, string? bannedReason)
    {
        var info = state.State.Info ?? throw Errors.CommunityException.NotFound($"Member '{this.GetPrimaryKeyString()}'");
        state.State.Info = info with { MutedUntil = mutedUntil, BannedReason = bannedReason };
        await state.WriteStateAsync();
        return state.State.Info;
    }
}
