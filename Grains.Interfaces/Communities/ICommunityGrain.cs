namespace CommunityScale.Communities;

/// <summary>A community (key: community id): its settings and its list of channels. Members live in their own grains.</summary>
[Alias("cs.ICommunityGrain")]
public interface ICommunityGrain : IGrainWithStringKey
{
    /// <summary>Creates the community; the creator becomes its owner and first member.</summary>
    [Alias("CreateWithVisibility")]
    Task<CommunityInfo> Create(string name, Actor owner, Access.CommunityVisibility visibility = Access.CommunityVisibility.Public);

    /// <summary>Interleaves (a read), so grains the community waits on (its access grain) may ask it.</summary>
    [Orleans.Concurrency.AlwaysInterleave, Alias("GetInfo")]
    Task<CommunityInfo> GetInfo();

    /// <summary>
    /// Joins the caller as a member, recording their consent; once guidelines are published, joining needs
    /// <paramref name="consent"/> to the version in force (<c>consent_required</c> otherwise). Joining again returns the
    /// existing membership.
    /// </summary>
    [Alias("JoinWithInvite")]
    Task<MemberInfo> Join(Actor who, Privacy.ConsentGiven? consent = null, string? invite = null);

    /// <summary>Joins a user a moderator admitted (a join request), whatever the visibility.</summary>
    [Alias("Admit")]
    Task<MemberInfo> Admit(Actor who, Privacy.ConsentGiven consent);

    /// <summary>The community as the user may see it: <c>not_found</c> for a private community they are not a member of.</summary>
    [Alias("GetInfoFor")]
    Task<CommunityInfo> GetInfoFor(string userId);

    /// <summary>Changes who may see and join the community (admins and the owner).</summary>
    [Alias("SetVisibility")]
    Task<CommunityInfo> SetVisibility(Access.CommunityVisibility visibility, Actor caller);

    /// <summary>Creates a channel; only owners and admins may.</summary>
    [Alias("CreateChannel")]
    Task<ChannelInfo> CreateChannel(string channelId, string name, int? maxMessageLength, Actor caller);

    /// <summary>Every channel (for the community's own grains; users see <see cref="ListChannelsFor"/>).</summary>
    [Orleans.Concurrency.AlwaysInterleave, Alias("ListChannels")]
    Task<IReadOnlyList<ChannelInfo>> ListChannels();

    /// <summary>The channels the user may view: a channel hidden from them is not listed, nor counted.</summary>
    [Alias("ListChannelsFor")]
    Task<IReadOnlyList<ChannelInfo>> ListChannelsFor(string userId);
}
