using CommunityScale.Communities;

namespace CommunityScale.Access;

/// <summary>
/// Effective permissions, pure. The order (docs/api.md, "Roles and permissions"): the union of the member's roles
/// (everyone, their rank's built-in role, their custom roles); then each place from the outside in — the forum category,
/// then the channel — in three levels: the everyone role's override, then the overrides of the other roles the member
/// holds, then the member's own. At each level an allow adds and a deny takes away, deny winning when both name the same
/// permission (two roles of one member that disagree); a later level overrides an earlier one, so "everyone may not
/// send, heralds may" makes an announcement channel. Without "view" a place grants
/// nothing else. Admins and the owner hold everything everywhere. A signed-in user who is not a member reads what
/// everyone may view in a public community, and nothing in a restricted or private one.
/// </summary>
public static class PermissionResolver
{
    // A category id is [a-z0-9-]: the bare prefix names no category, so it is the place "a category without overrides".
    private static readonly string CategoryPrefix = AccessPlaces.Category("");

    /// <summary>The roles a member holds, by id: everyone, the rank's built-in role, and their custom roles.</summary>
    public static IEnumerable<string> RolesOf(MemberInfo? member)
    {
        yield return BuiltInRoles.Everyone;
        if (member is null)
        {
            yield break;
        }

        switch (member.Role)
        {
            case MemberRole.Owner:
                yield return BuiltInRoles.Owner;
                break;
            case MemberRole.Admin:
                yield return BuiltInRoles.Admin;
                break;
            case MemberRole.Moderator:
                yield return BuiltInRoles.Moderator;
                break;
        }

        foreach (var role in member.Roles ?? [])
        {
            yield return role;
        }
    }

    /// <summary>What the member may do in the community as a whole (KPIs, campaigns, moderation, roles).</summary>
    public static Permissions InCommunity(AccessRules rules, MemberInfo? member) => Resolve(rules, member, []);

    /// <summary>What the member may do in a channel (optionally inside a forum category).</summary>
    public static Permissions InChannel(AccessRules rules, MemberInfo? member, string channelId) =>
        Resolve(rules, member, [AccessPlaces.Channel(channelId)]);

    /// <summary>What the member may do in a forum category (its threads and posts).</summary>
    public static Permissions InCategory(AccessRules rules, MemberInfo? member, string categoryId) =>
        Resolve(rules, member, [AccessPlaces.Category(categoryId)]);

    /// <summary>
    /// Which forum categories the member may view, without knowing the categories: one with no override resolves like
    /// any other such place, so only categories with overrides can differ from <see cref="CategoryView.Default"/>.
    /// </summary>
    public static CategoryView ViewableCategories(AccessRules rules, MemberInfo? member)
    {
        var byDefault = Resolve(rules, member, [CategoryPrefix]).HasFlag(Permissions.View);
        var exceptions = rules.Overrides.Keys
            .Where(place => place.StartsWith(CategoryPrefix, StringComparison.Ordinal))
            .Select(place => place[CategoryPrefix.Length..])
            .Where(id => InCategory(rules, member, id).HasFlag(Permissions.View) != byDefault);
        return new CategoryView(byDefault, exceptions.ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>Whether every signed-in user, member or visitor, may view the place: no override there, and visitors read.</summary>
    public static bool AnyoneViews(AccessRules rules, string place) =>
        rules.OverridesOf(place).Count == 0 && Resolve(rules, null, [place]).HasFlag(Permissions.View);

    /// <summary>What the member may do in a place; <paramref name="places"/> go from the outside in (category, then channel).</summary>
    public static Permissions Resolve(AccessRules rules, MemberInfo? member, IReadOnlyList<string> places)
    {
        if (member?.Role is MemberRole.Owner or MemberRole.Admin)
        {
            return BuiltInRoles.All;
        }

        var held = new HashSet<string>(RolesOf(member), StringComparer.Ordinal);
        var permissions = Permissions.None;
        foreach (var role in rules.Roles)
        {
            if (held.Contains(role.Id))
            {
                permissions |= role.Permissions;
            }
        }

        foreach (var place in places)
        {
            var overrides = rules.OverridesOf(place);
            permissions = Apply(permissions, overrides.Where(o => o.Target == OverrideTarget.Role && o.TargetId == BuiltInRoles.Everyone));
            permissions = Apply(permissions, overrides.Where(o => o.Target == OverrideTarget.Role && o.TargetId != BuiltInRoles.Everyone && held.Contains(o.TargetId)));
            if (member is not null)
            {
                permissions = Apply(permissions, overrides.Where(o => o.Target == OverrideTarget.Member && o.TargetId == member.UserId));
            }
        }

        if (!permissions.HasFlag(Permissions.View))
        {
            return places.Count == 0 ? permissions : Permissions.None;
        }

        // A visitor reads a public community; everything else needs membership.
        return member is not null ? permissions : rules.Visibility == CommunityVisibility.Public ? Permissions.View : Permissions.None;
    }

    /// <summary>The member's highest role position: who may act on whom (a member acts only on those strictly below).</summary>
    public static int PositionOf(AccessRules rules, MemberInfo member) =>
        member.Role switch
        {
            MemberRole.Owner => BuiltInRoles.OwnerPosition,
            MemberRole.Admin => BuiltInRoles.AdminPosition,
            _ => RolesOf(member).Select(id => rules.Role(id)?.Position ?? 0).DefaultIfEmpty(0).Max(),
        };

    private static Permissions Apply(Permissions permissions, IEnumerable<PermissionOverride> level)
    {
        var (allow, deny) = (Permissions.None, Permissions.None);
        foreach (var o in level)
        {
            allow |= o.Allow;
            deny |= o.Deny;
        }

        return (permissions | allow) & ~deny;
    }
}

/// <summary>
/// The forum categories a member may view: every one except <see cref="Exceptions"/> when <see cref="Default"/>, else
/// only <see cref="Exceptions"/>.
/// </summary>
public sealed record CategoryView(bool Default, IReadOnlySet<string> Exceptions)
{
    public bool Contains(string categoryId) => Default != Exceptions.Contains(categoryId);
}
