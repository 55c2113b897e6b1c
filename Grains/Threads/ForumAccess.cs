using CommunityScale.Access;
using CommunityScale.Communities;
using CommunityScale.Errors;

namespace CommunityScale.Threads;

/// <summary>
/// Who may read and do what in a community's forum: a thread's category decides, resolved like a channel (community,
/// then category overrides; docs/api.md, "Roles and permissions"). The rules come from the silo's
/// <see cref="AccessRulesCache"/>; readers' records are kept for <see cref="ReaderCache"/> (as a channel keeps its
/// members'), so paging a thread or polling a listing costs no grain call beyond the read itself. Writes pass the record
/// their gate just read, fresh.
/// </summary>
public sealed class ForumAccess(AccessRulesCache rules, IGrainFactory grains, string communityId)
{
    /// <summary>As long as a channel trusts a membership: a change reaches reads within the documented 2 s.</summary>
    public static readonly TimeSpan ReaderCache = TimeSpan.FromSeconds(2);

    private const int MaxReaders = 10_000;
    private readonly Dictionary<string, (MemberInfo? Member, long Until)> _readers = new(StringComparer.Ordinal);

    /// <summary>A reader's membership (null: a signed-in visitor), remembered for <see cref="ReaderCache"/>.</summary>
    public async Task<MemberInfo?> Reader(string userId)
    {
        if (_readers.TryGetValue(userId, out var known) && Environment.TickCount64 < known.Until)
        {
            return known.Member;
        }

        var member = await grains.Member(communityId, userId).Get();
        if (_readers.Count >= MaxReaders)
        {
            _readers.Clear();
        }

        _readers[userId] = (member, Environment.TickCount64 + (long)ReaderCache.TotalMilliseconds);
        return member;
    }

    /// <summary>Forgets a reader (an erased member leaves no trace here).</summary>
    public void Forget(string userId) => _readers.Remove(userId);

    public async Task<Permissions> In(MemberInfo? member, string categoryId) =>
        PermissionResolver.InCategory(await rules.Get(communityId), member, categoryId);

    /// <summary>
    /// Refuses what <paramref name="member"/> (null: a visitor) may not do in the category: <c>not_found</c> naming
    /// <paramref name="hidden"/> when they may not view it (its existence is theirs to know only then), <c>not_member</c>
    /// for a visitor asking more than reading, <c>forbidden</c> otherwise.
    /// </summary>
    public async Task<Permissions> Require(MemberInfo? member, string categoryId, Permissions needed, string what, string hidden)
    {
        var allowed = await In(member, categoryId);
        if (!allowed.HasFlag(Permissions.View))
        {
            throw CommunityException.NotFound(hidden);
        }

        if (member is null && needed != Permissions.View)
        {
            throw new CommunityException(ErrorCodes.NotMember, $"Join community '{communityId}' first.");
        }

        return (allowed & needed) == needed ? allowed
            : throw new CommunityException(ErrorCodes.Forbidden, $"You may not {what} in this category (missing: {string.Join(", ", PermissionNames.Format(needed & ~allowed))}).");
    }

    /// <summary>
    /// Which of the users may view the category, judged on rules of at least <paramref name="rulesVersion"/> and
    /// memberships read afresh: a gateway re-checking its live thread connections after an access change.
    /// </summary>
    public async Task<IReadOnlyList<string>> Viewers(IReadOnlyList<string> userIds, string categoryId, long rulesVersion)
    {
        var current = await rules.Get(communityId, rulesVersion);
        var viewers = new List<string>();
        foreach (var userId in userIds.Distinct(StringComparer.Ordinal))
        {
            Forget(userId);
            if (PermissionResolver.InCategory(current, await Reader(userId), categoryId).HasFlag(Permissions.View))
            {
                viewers.Add(userId);
            }
        }

        return viewers;
    }

    /// <summary>The caller as a member: a visitor who passed a check of "view" alone still may not change anything.</summary>
    public static MemberInfo Joined(MemberInfo? member) =>
        member ?? throw new CommunityException(ErrorCodes.NotMember, "Join the community first.");

    /// <summary>
    /// The categories a user may view; a private community's forum does not exist for non-members (<c>not_found</c>), and
    /// neither does a community that does not exist (its rules read as a public one's: an empty listing would tell it apart).
    /// </summary>
    public async Task<CategoryView> Viewable(string userId)
    {
        var member = await Reader(userId);
        var current = await rules.Get(communityId);
        if (member is null)
        {
            await NonMemberRefusal.RequireVisible(grains, communityId, current.Visibility);
        }

        return PermissionResolver.ViewableCategories(current, member);
    }
}
