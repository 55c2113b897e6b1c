using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Notifications;
using CommunityScale.Options;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Moderation;

/// <summary>
/// Moderator actions on members: warn (strikes climb the policy's ladder to a mute or a ban by themselves), mute for a
/// while, ban, lift either, revoke a sanction. A moderator may act only on members of a lower role (a moderator cannot
/// mute an admin). Every action is written to the audit log with its reason, and the member is notified with it.
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

        var (target, _) = await Target(userId, moderator);
        return await Impose(target, userId, SanctionKind.Mute, reason, moderator.UserId, duration);
    }

    public async Task<MemberInfo> Unmute(string userId, Actor moderator)
    {
        var (target, _) = await Target(userId, moderator);
        var updated = await target.Lift(SanctionKind.Mute);
        await Audit(moderator.UserId, "unmute", userId, "");
        await Notify(userId, NotificationKinds.SanctionLifted, "A moderator lifted your mute.", $"unmute:{Guid.NewGuid():n}");
        return updated;
    }

    public async Task<MemberInfo> Ban(string userId, string reason, Actor moderator)
    {
        var (target, _) = await Target(userId, moderator);
        return await Impose(target, userId, SanctionKind.Ban, reason, moderator.UserId, null);
    }

    public async Task<MemberInfo> Unban(string userId, Actor moderator)
    {
        var (target, _) = await Target(userId, moderator);
        var updated = await target.Lift(SanctionKind.Ban);
        await Audit(moderator.UserId, "unban", userId, "");
        await Notify(userId, NotificationKinds.SanctionLifted, "A moderator lifted your ban.", $"unban:{Guid.NewGuid():n}");
        return updated;
    }

    public async Task<MemberInfo> Warn(string userId, string reason, Actor moderator)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw CommunityException.Invalid("A warning needs a reason: the member is told it.");
        }

        var (target, _) = await Target(userId, moderator);
        var warned = await Impose(target, userId, SanctionKind.Warning, reason, moderator.UserId, null);
        var policy = await GrainFactory.GetGrain<IModerationPolicyGrain>(CommunityId).Get();
        if (StrikeLadder.PenaltyFor(warned.Strikes, policy.StrikeLadder ?? ModerationPolicy.DefaultStrikeLadder) is not { } step)
        {
            return warned;
        }

        var why = $"{warned.Strikes} active warnings (latest: {reason})";
        return step.Ban
            ? await Impose(target, userId, SanctionKind.Ban, why, AutoModeration, null)
            : await Impose(target, userId, SanctionKind.Mute, why, AutoModeration, TimeSpan.FromMinutes(step.MuteMinutes));
    }

    public async Task<IReadOnlyList<Sanction>> Sanctions(string userId, Actor caller)
    {
        InputRules.RequireId(userId, "user id");
        if (caller.UserId != userId)
        {
            await ModerationRoles.RequireModerator(GrainFactory, CommunityId, caller);
        }

        var member = GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(CommunityId, userId));
        _ = await member.Get() ?? throw CommunityException.NotFound($"Member '{userId}'");
        return await member.GetSanctions();
    }

    public async Task<MemberInfo> Revoke(string userId, string sanctionId, string reason, Actor moderator)
    {
        var (target, _) = await Target(userId, moderator);
        var (updated, sanction) = await target.Revoke(sanctionId);
        await Audit(moderator.UserId, "revoke", userId, $"{sanction.Kind.ToString().ToLowerInvariant()} {sanction.Id}: {reason}");
        await Notify(userId, NotificationKinds.SanctionLifted,
            $"A moderator withdrew your {Describe(sanction.Kind)}{(string.IsNullOrWhiteSpace(reason) ? "." : $": {reason}")}", $"revoke:{sanction.Id}");
        return updated;
    }

    /// <summary>Records the sanction on the member (which applies it), audits it, and tells the member why.</summary>
    private async Task<MemberInfo> Impose(IMemberGrain target, string userId, SanctionKind kind, string reason, string by, TimeSpan? duration)
    {
        var now = clock.GetUtcNow();
        var sanction = new Sanction(Guid.NewGuid().ToString("n"), kind, reason, by, now, duration is { } d ? now + d : null);
        var updated = await target.Sanction(sanction);
        var action = kind switch { SanctionKind.Warning => "warn", SanctionKind.Mute => "mute", _ => "ban" };
        await Audit(by, action, userId, sanction.Until is { } until ? $"until {until:u}: {reason}" : reason);
        var text = kind switch
        {
            SanctionKind.Warning => $"You received a warning ({updated.Strikes} active): {reason}",
            SanctionKind.Mute => $"You are muted until {sanction.Until:u}: {reason}",
            _ => $"You are banned from this community: {reason}",
        };
        await Notify(userId, kind switch { SanctionKind.Warning => NotificationKinds.Warning, SanctionKind.Mute => NotificationKinds.Muted, _ => NotificationKinds.Banned },
            $"{text} You may appeal it once.", $"sanction:{sanction.Id}");
        return updated;
    }

    private static string Describe(SanctionKind kind) => kind switch { SanctionKind.Warning => "warning", SanctionKind.Mute => "mute", _ => "ban" };

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

    private Task Audit(string actor, string action, string target, string reason) =>
        GrainFactory.GetGrain<IAuditLogGrain>(CommunityId).Append(actor, action, target, reason);

    private Task Notify(string userId, string kind, string text, string sourceId) =>
        GrainFactory.GetGrain<INotificationInboxGrain>(userId).Post(new NotificationDraft(CommunityId, kind, text, sourceId));
}
