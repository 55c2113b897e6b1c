using CommunityScale.Access;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Posting;

namespace CommunityScale.Chat;

/// <summary>
/// Who may do what in one channel: the member's record (from the channel's <see cref="PostingGate"/>, cached) against
/// the community's rules (from the silo's <see cref="AccessRulesCache"/>), so a check costs no grain call per message.
/// </summary>
public sealed class ChannelAccess(AccessRulesCache rules, PostingGate gate, ChannelKey key, TimeProvider clock)
{
    public async Task<Permissions> Of(MemberInfo? member) => PermissionResolver.InChannel(await rules.Get(key.CommunityId), member, key.ChannelId);

    /// <summary>What a user may do here; a visitor (not a member) at most reads.</summary>
    public async Task<Permissions> OfUser(string userId) => await Of(await gate.MemberOrNull(userId, clock.GetUtcNow(), remember: false));

    /// <summary>
    /// Refuses what the member may not do here: <c>not_found</c> when they may not even view the channel (its existence
    /// is theirs to know only then), <c>forbidden</c> otherwise. Returns everything they may do.
    /// </summary>
    public async Task<Permissions> Require(MemberInfo? member, Permissions needed, string what)
    {
        var allowed = await Of(member);
        if (!allowed.HasFlag(Permissions.View))
        {
            throw CommunityException.NotFound($"Channel '{key}'");
        }

        return (allowed & needed) == needed ? allowed
            : throw new CommunityException(ErrorCodes.Forbidden, $"You may not {what} in this channel (missing: {string.Join(", ", PermissionNames.Format(needed & ~allowed))}).");
    }

    /// <summary><see cref="Require"/> for a user who must be a member (<c>not_member</c> otherwise).</summary>
    public async Task<Permissions> RequireMember(string userId, Permissions needed, string what) =>
        await Require(await gate.RequireMember(userId, clock.GetUtcNow()), needed, what);

    /// <summary><see cref="Require"/> for any signed-in user: members and visitors alike may read a channel they may view.</summary>
    public async Task RequireReader(string userId) => await Require(await gate.MemberOrNull(userId, clock.GetUtcNow(), remember: false), Permissions.View, "read");

    /// <summary>Which of the users may view the channel, judged on rules of at least <paramref name="rulesVersion"/> and memberships read afresh.</summary>
    public async Task<IReadOnlyList<string>> Viewers(IReadOnlyList<string> userIds, long rulesVersion)
    {
        var current = await rules.Get(key.CommunityId, rulesVersion);
        var viewers = new List<string>();
        foreach (var userId in userIds.Distinct(StringComparer.Ordinal))
        {
            gate.Forget(userId);
            if (PermissionResolver.InChannel(current, await gate.MemberOrNull(userId, clock.GetUtcNow(), remember: false), key.ChannelId).HasFlag(Permissions.View))
            {
                viewers.Add(userId);
            }
        }

        return viewers;
    }
}
