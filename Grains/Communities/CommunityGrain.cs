using CommunityScale.Chat;
using CommunityScale.Errors;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CommunityScale.Communities;

[GenerateSerializer, Alias("cs.CommunityState")]
public sealed class CommunityState
{
    [Id(0)] public CommunityInfo? Info { get; set; }

    [Id(1)] public List<ChannelInfo> Channels { get; set; } = [];
}

/// <summary>A community: its settings and channel list. Roles are checked here; members live in <see cref="MemberGrain"/>s.</summary>
public sealed class CommunityGrain(
    [PersistentState("community", StorageNames.Main)] IPersistentState<CommunityState> state,
    IOptions<ChatOptions> options,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    Access.AccessRulesCache accessRules) : Grain, ICommunityGrain
{
    private readonly StateWriter<CommunityState> _writer = new(state);

    private string Id => this.GetPrimaryKeyString();

    public async Task<CommunityInfo> Create(string name, Actor owner)
    {
        if (_writer.State.Info is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Community '{Id}' already exists.");
        }

        var info = new CommunityInfo(Id, InputRules.RequireName(name, "name"), owner.UserId, clock.GetUtcNow());
        // The owner's membership is written first: a crash in between leaves a harmless membership, never an ownerless community.
        await Member(owner.UserId).Enroll(owner.DisplayName, MemberRole.Owner, new Privacy.ConsentGiven(0));
        _writer.State.Info = info;
        await _writer.Write();
        return info;
    }

    public Task<CommunityInfo> GetInfo() => Task.FromResult(RequireInfo());

    public async Task<MemberInfo> Join(Actor who, Privacy.ConsentGiven? consent = null)
    {
        RequireInfo();
        if (await Member(who.UserId).Get() is { } existing)
        {
            return existing;
        }

        if (await GrainFactory.MemberPrivacy(new MemberKey(Id, who.UserId)).GetErasure(who) is not null)
        {
            throw CommunityException.Invalid("Your membership is being erased; join again once that has finished.");
        }

        var policy = await GrainFactory.GetGrain<Moderation.IModerationPolicyGrain>(Id).Get();
        if ((policy.GuidelinesVersion > 0 || consent is not null) && (consent?.GuidelinesVersion ?? 0) != policy.GuidelinesVersion)
        {
            throw new CommunityException(ErrorCodes.ConsentRequired,
                $"Accept version {policy.GuidelinesVersion} of the community's guidelines to join (GET /api/communities/{Id}/guidelines).");
        }

        return await Member(who.UserId).Enroll(who.DisplayName, MemberRole.Member, consent ?? new Privacy.ConsentGiven(0));
    }

    public async Task<ChannelInfo> CreateChannel(string channelId, string name, int? maxMessageLength, Actor caller)
    {
        RequireInfo();
        InputRules.RequireId(channelId, "channel id");
        var channelName = InputRules.RequireName(name, "name");
        var ceiling = options.Value.MaxMessageLengthCeiling;
        if (maxMessageLength is < 1 || maxMessageLength > ceiling)
        {
            throw CommunityException.Invalid($"maxMessageLength must be between 1 and {ceiling}.");
        }

        var member = await Member(caller.UserId).Get();
        if (member is null)
        {
            throw new CommunityException(ErrorCodes.NotMember, $"You are not a member of community '{Id}'.");
        }

        if (member.Role is not (MemberRole.Owner or MemberRole.Admin))
        {
            throw new CommunityException(ErrorCodes.Forbidden, "Only the community's owners and admins may create channels.");
        }

        if (_writer.State.Channels.Any(c => c.Id == channelId))
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Channel '{channelId}' already exists.");
        }

        if (_writer.State.Channels.Count >= options.Value.MaxChannelsPerCommunity)
        {
            throw CommunityException.Invalid($"A community may have at most {options.Value.MaxChannelsPerCommunity} channels.");
        }

        var channel = new ChannelInfo(Id, channelId, channelName, maxMessageLength ?? options.Value.DefaultMaxMessageLength,
            caller.UserId, clock.GetUtcNow());
        await GrainFactory.Channel(new ChannelKey(Id, channelId)).Create(channel);
        _writer.State.Channels.Add(channel);
        await _writer.Write();
        return channel;
    }

    public Task<IReadOnlyList<ChannelInfo>> ListChannels()
    {
        RequireInfo();
        return Task.FromResult<IReadOnlyList<ChannelInfo>>([.. _writer.State.Channels]);
    }

    public async Task<IReadOnlyList<ChannelInfo>> ListChannelsFor(string userId)
    {
        RequireInfo();
        var member = await Member(userId).Get();
        var rules = await accessRules.Get(Id);
        return [.. _writer.State.Channels.Where(c => Access.PermissionResolver.InChannel(rules, member, c.Id).HasFlag(Access.Permissions.View))];
    }

    private CommunityInfo RequireInfo() => _writer.State.Info ?? throw CommunityException.NotFound($"Community '{Id}'");

    private IMemberGrain Member(string userId) => GrainFactory.Member(Id, userId);
}
