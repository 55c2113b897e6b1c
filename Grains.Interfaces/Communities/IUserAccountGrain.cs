namespace CommunityScale.Communities;

/// <summary>
/// A user's account (key: user id): the communities they are a member of, so "my communities", an export and an
/// erasure of the whole account reach every membership without scanning communities.
/// </summary>
[Alias("cs.IUserAccountGrain")]
public interface IUserAccountGrain : IGrainWithStringKey
{
    [Alias("AddCommunity")]
    Task AddCommunity(string communityId);

    [Alias("RemoveCommunity")]
    Task RemoveCommunity(string communityId);

    /// <summary>
    /// The key of the user's personal stream: random, made on first use, forgotten with the account, so the stream's
    /// routing record links to nobody once the account is erased.
    /// </summary>
    [Alias("GetStreamKey")]
    Task<string> GetStreamKey();

    /// <summary>Community ids, in the order joined.</summary>
    [Alias("GetCommunities")]
    Task<IReadOnlyList<string>> GetCommunities();
}
