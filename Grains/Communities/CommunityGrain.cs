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

    public async Task<CommunityInfo> Create(string name, Actor owner, Access.CommunityVisibility visibility = Access.CommunityVisibility.Public)
    {
        RequireVisibility(visibility);
        if (_writer.State.Info is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Community '{Id}' already exists.");
        }

        var info = new CommunityInfo(Id, InputRules.RequireName(name, "name"), owner.UserId, clock.GetUtcNow(), visibility);
        if (visibility != Access.CommunityVisibility.Public)
        {
            // Hidden before it exists: the rules visitors are judged by learn it first.
            await AccessGrain.ApplyVisibility(visibility, owner.UserId);
        }

        // The owner's membership is written first: a crash in between leaves a harmless membership, never an ownerless community.
        await Member(owner.UserId).Enroll(owner.DisplayName, MemberRole.Owner, new Privacy.ConsentGiven(0));
        _writer.State.Info = info;
        await _writer.Write();
        return info;
    }

    public Task<CommunityInfo> GetInfo() => Task.FromResult(RequireInfo());

    public async Task<MemberInfo> Join(Actor who, Privacy.ConsentGiven? consent = null, string? invite = null)
    {
        var info = RequireInfo();
        if (await Member(who.UserId).Get() is { } existing)
        {
            return existing;
        }

        if (info.Visibility != Access.CommunityVisibility.Public)
        {
            if (invite is null)
            {
                throw info.Visibility == Access.CommunityVisibility.Private
                    ? CommunityException.NotFound($"Community '{Id}'")
                    : new CommunityException(ErrorCodes.Forbidden, $"Community '{Id}' is restricted: join with an invite, or ask to join (POST /api/communities/{Id}/join-requests).");
            }

            // Used (counted, audited) only once every other check passed, just before the membership is written.
            return await Admit(who, consent ?? new Privacy.ConsentGiven(0), () => GrainFactory.GetGrain<Access.ICommunityInvitesGrain>(Id).RedeemInvite(invite, who));
        }

        return await Admit(who, consent ?? new Privacy.ConsentGiven(0), null);
    }

    public Task<MemberInfo> Admit(Actor who, Privacy.ConsentGiven consent) => Admit(who, consent, null);

    private async Task<MemberInfo> Admit(Actor who, Privacy.ConsentGiven consent, Func<Task>? redeem)
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
        if (consent.GuidelinesVersion != policy.GuidelinesVersion)
        {
            throw new CommunityException(ErrorCodes.ConsentRequired,
                $"Accept version {policy.GuidelinesVersion} of the community's guidelines to join (GET /api/communities/{Id}/guidelines).");
        }

        if (redeem is not null)
        {
            await redeem();
        }

        return await Member(who.UserId).Enroll(who.DisplayName, MemberRole.Member, consent);
    }

    public async Task<CommunityInfo> GetInfoFor(string userId)
    {
        var info = RequireInfo();
        return info.Visibility == Access.CommunityVisibility.Private && await Member(userId).Get() is null
            ? throw CommunityException.NotFound($"Community '{Id}'")
            : info;
    }

    public async Task<CommunityInfo> SetVisibility(Access.CommunityVisibility visibility, Actor caller)
    {
        RequireInfo();
        RequireVisibility(visibility);
        await Moderation.ModerationRoles.RequireAdmin(GrainFactory, Id, caller, "Only the community's admins and owner change who may see and join it.");
        _writer.State.Info = RequireInfo() with { Visibility = visibility };
        await _writer.Write();
        // This record is the source; the rules carry a copy for the checks. Retrying after a failure here repairs the copy.
        await AccessGrain.ApplyVisibility(visibility, caller.UserId);
        return _writer.State.Info;
    }

    private static void RequireVisibility(Access.CommunityVisibility visibility)
    {
        if (!Enum.IsDefined(visibility))
        {
            throw CommunityException.Invalid("visibility must be public, restricted or private.");
        }
    }

    private Access.ICommunityAccessGrain AccessGrain => GrainFactory.GetGrain<Access.ICommunityAccessGrain>(Id);

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

        // A private community does not exist for non-members (not_found), as on every other path of it.
        var member = await Member(caller.UserId).Get()
            ?? throw await Access.NonMemberRefusal.For(GrainFactory, Id, $"You are not a member of community '{Id}'.");
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
        if (member is null && _writer.State.Info!.Visibility == Access.CommunityVisibility.Private)
        {
            throw CommunityException.NotFound($"Community '{Id}'");
        }

        var rules = await accessRules.Get(Id);
        return [.. _writer.State.Channels.Where(c => Access.PermissionResolver.InChannel(rules, member, c.Id).HasFlag(Access.Permissions.View))];
    }

    private CommunityInfo RequireInfo() => _writer.State.Info ?? throw CommunityException.NotFound($"Community '{Id}'");

    private IMemberGrain Member(string userId) => GrainFactory.Member(Id, userId);
}
