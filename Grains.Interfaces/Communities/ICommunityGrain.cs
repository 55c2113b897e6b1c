namespace CommunityScale.Communities;

/// <summary>A community (key: community id): its settings and its list of channels. Members live in their own grains.</summary>
[Alias("cs.ICommunityGrain")]
public interface ICommunityGrain : IGrainWithStringKey
{
    /// <summary>Creates the community; the creator becomes its owner and first member.</summary>
    [Alias("Create")]
    Task<CommunityInfo> Create(string name, Actor owner);

    [Alias("GetInfo")]
    Task<CommunityInfo> GetInfo();

    /// <summary>
    /// Joins the caller as a member, recording their consent; once guidelines are published, joining needs
    /// <paramref name="consent"/> to the version in force (<c>consent_required</c> otherwise). Joining again returns the
    /// existing membership.
    /// </summary>
    [Alias("JoinWithConsent")]
    Task<MemberInfo> Join(Actor who, Privacy.ConsentGiven? consent = null);

    /// <summary>Creates a channel; only owners and admins may.</summary>
    [Alias("CreateChannel")]
    Task<ChannelInfo> CreateChannel(string channelId, string name, int? maxMessageLength, Actor caller);

    /// <summary>Every channel (for the community's own grains; users see <see cref="ListChannelsFor"/>).</summary>
    [Alias("ListChannels")]
    Task<IReadOnlyList<ChannelInfo>> ListChannels();

    /// <summary>The channels the user may view: a channel hidden from them is not listed, nor counted.</summary>
    [Alias("ListChannelsFor")]
    Task<IReadOnlyList<ChannelInfo>> ListChannelsFor(string userId);
}
