using CommunityScale.Communities;
using CommunityScale.Errors;

namespace CommunityScale.Moderation;

/// <summary>
/// Moderator actions on members: mute for a while, ban, and lift either. A moderator may act only on members of a
/// lower role (a moderator cannot mute an admin). Every action is written to the audit log with its reason.
/// </summary>
public sealed class CommunityModerationGrain(TimeProvider clock) : Grain, ICommunityModerationGrain
{
    public static readonly TimeSpan MaxMute = TimeSpan.FromDays(365);

    private string CommunityId => this.GetPrimaryKeyString();

    public async Task<MemberInfo> Mute(string userId, TimeSpan duration, string reason, Actor moderator)
    {
        if (duration <= TimeSpan.Zero || duration > MaxMute)
        {
            throw CommunityException.Invalid($"A mute lasts more than 0 and at most {MaxMute.TotalDays:0} days.");
        }

        var (target, member) = await Target(userId, moderator);
        var until = clock.GetUtcNow() + duration;
        var updated = await target.Restrict(until, member.BannedReason);
        await Audit(moderator, "mute", userId, $"until {until:u}: {reason}");
        return updated;
    }

    public async Task<MemberInfo> Unmute(string userId, Actor moderator)
    {
        var (target, member) = await Target(userId, moderator);
        var updated = await target.Restrict(null, member.BannedReason);
        await Audit(moderator, "unmute", userId, "");
        return updated;
    }

    public async Task<MemberInfo> Ban(string userId, string reason, Actor moderator)
    {
        var (target, member) = await Target(userId, moderator);
        var updated = await target.Restrict(member.MutedUntil, string.IsNullOrWhiteSpace(reason) ? "no reason given" : reason);
        await Audit(moderator, "ban", userId, reason);
        return updated;
    }

    public async Task<MemberInfo> Unban(string userId, Actor moderator)
    {
        var (target, member) = await Target(userId, moderator);
        var updated = await target.Restrict(member.MutedUntil, null);
        await Audit(moderator, "unban", userId, "");
        return updated;
    }

    private async Task<(IMemberGrain Grain, MemberInfo Member)> Target(string userId, Actor moderator)
    {
        var acting = await ModerationRoles.RequireModerator(GrainFactory, CommunityId, moderator);
        var grain = GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(CommunityId, InputRules.RequireId(userId, "user id")));
        var member = await grain.Get() ?? throw CommunityException.NotFound($"Member '{userId}'");
        if (member.Role >= acting.Role)
        {
            throw new CommunityException(ErrorCodes.Forbidden, $"A {acting.Role} cannot moderate a {member.Role}.");
        }

        return (grain, member);
    }

    private Task Audit(Actor moderator, string action, string target, string reason) =>
        GrainFactory.GetGrain<IAuditLogGrain>(CommunityId).Append(moderator.UserId, action, target, reason);
}
