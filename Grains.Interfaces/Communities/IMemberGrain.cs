namespace CommunityScale.Communities;

/// <summary>One user's membership of one community (key: <c>community/user</c>, see <see cref="MemberKey"/>).</summary>
[Alias("cs.IMemberGrain")]
public interface IMemberGrain : IGrainWithStringKey
{
    /// <summary>Records the membership if there is none yet; returns the membership in force.</summary>
    [Alias("Enroll")]
    Task<MemberInfo> Enroll(string displayName, MemberRole role);

    /// <summary>The membership, or null when the user is not a member.</summary>
    /// <summary>Sets or lifts a mute and a ban (moderation grains only; they check the caller's role).</summary>
    [Alias("Restrict")]
    Task<MemberInfo> Restrict(DateTimeOffset? mutedUntil, string? bannedReason);

    [Alias("Get")]
    Task<MemberInfo?> Get();
}

public static class MemberKey
{
    public static string For(string communityId, string userId) => $"{communityId}/{userId}";
}
