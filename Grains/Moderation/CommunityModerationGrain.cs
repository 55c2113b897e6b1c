using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Options;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Moderation;

/// <summary>
/// Moderator actions on members: warn (strikes climb the policy's ladder to a mute or a ban by themselves), mute for a
/// while, ban, lift either, revoke a sanction. A moderator may act only on members of a lower role (a moderator cannot
/// mute an admin). Every action is written to the audit log with its reason, and the member is notified with it: both
/// are stored by the member's grain with the change itself (<see cref="SanctionFollowUps"/>), as this grain keeps no state.
/// </summary>
public sealed class CommunityModerationGrain([FromKeyedServices(DomainClock.Key)] TimeProvider clock) : Grain, ICommunityModerationGrain
{
    public static readonly TimeSpan MaxMute = TimeSpan.FromDays(365);
    public const string AutoModeration = "auto-moderation";

    private string CommunityId => this.GetPrimaryKeyString();

    public async Task<MemberInfo> Mute(string userId, TimeSpan duration, string reason, Actor moderator)
    {
        if (duration <= TimeSpan.Zero || duration > MaxMute)
        {
            throw CommunityException.Invalid($"A mute lasts more than 0 and at most {MaxMute.TotalDays:0} days.");
        }

        var target = await Target(userId, moderator);
        return await Impose(target, SanctionKind.Mute, reason, moderator.UserId, duration);
    }

    public async Task<MemberInfo> Unmute(string userId, Actor moderator)
    {
        var target = await Target(userId, moderator);
        return await target.Lift(SanctionKind.Mute, new ModerationNote(moderator.UserId, ""));
    }

    public async Task<MemberInfo> Ban(string userId, string reason, Actor moderator)
    {
        var target = await Target(userId, moderator);
        return await Impose(target, SanctionKind.Ban, reason, moderator.UserId, null);
    }

    public async Task<MemberInfo> Unban(string userId, Actor moderator)
    {
        var target = await Target(userId, moderator);
        return await target.Lift(SanctionKind.Ban, new ModerationNote(moderator.UserId, ""));
    }

    public async Task<MemberInfo> Warn(string userId, string reason, Actor moderator)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw CommunityException.Invalid("A warning needs a reason: the member is told it.");
        }

        var target = await Target(userId, moderator);
        var warned = await Impose(target, SanctionKind.Warning, reason, moderator.UserId, null);
        var policy = await GrainFactory.GetGrain<IModerationPolicyGrain>(CommunityId).Get();
        if (StrikeLadder.PenaltyFor(warned.Strikes, policy.StrikeLadder ?? ModerationPolicy.DefaultStrikeLadder) is not { } step)
        {
            return warned;
        }

        var why = $"{warned.Strikes} active warnings (latest: {reason})";
        return step.Ban
            ? await Impose(target, SanctionKind.Ban, why, AutoModeration, null)
            : await Impose(target, SanctionKind.Mute, why, AutoModeration, TimeSpan.FromMinutes(step.MuteMinutes));
    }

    public async Task<IReadOnlyList<Sanction>> Sanctions(string userId, Actor caller)
    {
        InputRules.RequireId(userId, "user id");
        if (caller.UserId != userId)
        {
            await ModerationRoles.RequireModerator(GrainFactory, CommunityId, caller);
        }

        var member = GrainFactory.Member(CommunityId, userId);
        _ = await member.Get() ?? throw CommunityException.NotFound($"Member '{userId}'");
        return await member.GetSanctions();
    }

    public async Task<MemberInfo> Revoke(string userId, string sanctionId, string reason, Actor moderator)
    {
        var target = await Target(userId, moderator);
        var (updated, _) = await target.Revoke(sanctionId, new ModerationNote(moderator.UserId, reason));
        return updated;
    }

    /// <summary>Records the sanction on the member, which applies it and stores its audit entry and notice with it.</summary>
    private Task<MemberInfo> Impose(IMemberGrain target, SanctionKind kind, string reason, string by, TimeSpan? duration)
    {
        var now = clock.GetUtcNow();
        return target.Sanction(new Sanction(Guid.NewGuid().ToString("n"), kind, reason, by, now, duration is { } d ? now + d : null));
    }

    private async Task<IMemberGrain> Target(string userId, Actor moderator)
    {
        var acting = await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator);
        var grain = GrainFactory.Member(CommunityId, InputRules.RequireId(userId, "user id"));
        var member = await grain.Get() ?? throw CommunityException.NotFound($"Member '{userId}'");
        // Role position decides who may act on whom: only on members strictly below one's own highest role.
        var rules = await GrainFactory.GetGrain<Access.ICommunityAccessGrain>(CommunityId).GetRules();
        return Access.PermissionResolver.PositionOf(rules, member) >= Access.PermissionResolver.PositionOf(rules, acting)
            ? throw new CommunityException(ErrorCodes.Forbidden, $"A {acting.Role} cannot moderate a {member.Role} (only members below one's own highest role).")
            : grain;
    }
}
