using CommunityScale.Access;
using CommunityScale.Communities;

namespace CommunityScale.Grains.Tests.Access;

[Trait("Area", "Roles")]
public sealed class PermissionResolverTests
{
    private static readonly CommunityRole Staff = new("staff", "Staff", "#123456", 10, Permissions.View | Permissions.Send);
    private static readonly CommunityRole Vip = new("vip", "VIP", "", 20, Permissions.View | Permissions.MentionEveryone);

    private static MemberInfo Member(string id, MemberRole rank = MemberRole.Member, params string[] roles) =>
        new("c", id, id, rank, DateTimeOffset.UnixEpoch, Roles: roles);

    private static AccessRules Rules(params (string Place, PermissionOverride[] Overrides)[] places) =>
        new(1, [.. BuiltInRoles.Defaults, Staff, Vip], places.ToDictionary(p => p.Place, p => (IReadOnlyList<PermissionOverride>)p.Overrides));

    private static PermissionOverride RoleOverride(string role, Permissions allow, Permissions deny) => new(OverrideTarget.Role, role, allow, deny);

    private static PermissionOverride MemberOverride(string user, Permissions allow, Permissions deny) => new(OverrideTarget.Member, user, allow, deny);

    [Fact]
    public void Members_hold_everyones_defaults_and_the_union_of_their_roles()
    {
        var rules = Rules();
        Assert.Equal(BuiltInRoles.EveryoneDefault, PermissionResolver.InCommunity(rules, Member("ann")));
        Assert.Equal(BuiltInRoles.EveryoneDefault | Permissions.MentionEveryone, PermissionResolver.InCommunity(rules, Member("ann", MemberRole.Member, "staff", "vip")));
        Assert.Equal(BuiltInRoles.ModeratorDefault, PermissionResolver.InCommunity(rules, Member("mo", MemberRole.Moderator)));
        // A role deleted from the rules grants nothing, even if a member record still names it.
        Assert.Equal(BuiltInRoles.EveryoneDefault, PermissionResolver.InCommunity(rules, Member("ann", MemberRole.Member, "gone")));
    }

    [Fact]
    public void A_staff_channel_is_hidden_from_everyone_but_its_role()
    {
        var rules = Rules((AccessPlaces.Channel("staff"), [RoleOverride(BuiltInRoles.Everyone, Permissions.None, Permissions.View), RoleOverride("staff", Permissions.View, Permissions.None)]));
        Assert.Equal(Permissions.None, PermissionResolver.InChannel(rules, Member("ann"), "staff"));
        Assert.Equal(Permissions.None, PermissionResolver.InChannel(rules, null, "staff"));
        Assert.True(PermissionResolver.InChannel(rules, Member("sam", MemberRole.Member, "staff"), "staff").HasFlag(Permissions.Send));
        Assert.Equal(BuiltInRoles.All, PermissionResolver.InChannel(rules, Member("boss", MemberRole.Admin), "staff"));
        Assert.Equal(BuiltInRoles.EveryoneDefault, PermissionResolver.InChannel(rules, Member("ann"), "general"));
    }

    [Fact]
    public void Deny_wins_over_allow_at_the_same_level_and_the_member_level_comes_after_roles()
    {
        // Two roles of one member disagree on the same channel: the deny wins.
        var rules = Rules((AccessPlaces.Channel("news"), [RoleOverride("staff", Permissions.Send, Permissions.None), RoleOverride("vip", Permissions.None, Permissions.Send)]));
        Assert.False(PermissionResolver.InChannel(rules, Member("sam", MemberRole.Member, "staff", "vip"), "news").HasFlag(Permissions.Send));

        // The member's own override is applied after the roles': it may give back what a role took.
        var own = Rules((AccessPlaces.Channel("news"), [RoleOverride(BuiltInRoles.Everyone, Permissions.None, Permissions.Send), MemberOverride("ann", Permissions.Send, Permissions.None)]));
        Assert.True(PermissionResolver.InChannel(own, Member("ann"), "news").HasFlag(Permissions.Send));
        Assert.False(PermissionResolver.InChannel(own, Member("bob"), "news").HasFlag(Permissions.Send));
        Assert.True(PermissionResolver.InChannel(own, Member("bob"), "news").HasFlag(Permissions.View));
    }

    [Fact]
    public void The_channel_level_comes_after_the_category_level()
    {
        var rules = Rules(
            (AccessPlaces.Category("support"), [RoleOverride(BuiltInRoles.Everyone, Permissions.None, Permissions.View)]),
            (AccessPlaces.Channel("faq"), [RoleOverride(BuiltInRoles.Everyone, Permissions.View, Permissions.None)]));
        var places = new[] { AccessPlaces.Category("support"), AccessPlaces.Channel("faq") };
        Assert.True(PermissionResolver.Resolve(rules, Member("ann"), places).HasFlag(Permissions.View));
        Assert.Equal(Permissions.None, PermissionResolver.Resolve(rules, Member("ann"), [AccessPlaces.Category("support"), AccessPlaces.Channel("other")]));
    }

    [Fact]
    public void A_staff_category_is_viewed_by_its_role_and_an_announcement_category_opened_by_one_role()
    {
        var rules = Rules(
            (AccessPlaces.Category("staff"), [RoleOverride(BuiltInRoles.Everyone, Permissions.None, Permissions.View), RoleOverride("staff", Permissions.View, Permissions.None)]),
            (AccessPlaces.Category("news"), [RoleOverride(BuiltInRoles.Everyone, Permissions.None, Permissions.CreateThreads | Permissions.Reply), RoleOverride("vip", Permissions.CreateThreads, Permissions.None)]));
        Assert.Equal(Permissions.None, PermissionResolver.InCategory(rules, Member("ann"), "staff"));
        Assert.Equal(Permissions.None, PermissionResolver.InCategory(rules, null, "staff"));
        Assert.True(PermissionResolver.InCategory(rules, Member("sam", MemberRole.Member, "staff"), "staff").HasFlag(Permissions.Reply));

        var fan = PermissionResolver.InCategory(rules, Member("ann"), "news");
        Assert.True(fan.HasFlag(Permissions.View));
        Assert.False(fan.HasFlag(Permissions.CreateThreads) || fan.HasFlag(Permissions.Reply));
        var herald = PermissionResolver.InCategory(rules, Member("vic", MemberRole.Member, "vip"), "news");
        Assert.True(herald.HasFlag(Permissions.CreateThreads));
        Assert.False(herald.HasFlag(Permissions.Reply));
        Assert.Equal(BuiltInRoles.EveryoneDefault, PermissionResolver.InCategory(rules, Member("ann"), "general"));
    }

    [Fact]
    public void Viewable_categories_follow_the_overrides_for_members_visitors_and_restricted_communities()
    {
        var rules = Rules(
            (AccessPlaces.Category("staff"), [RoleOverride(BuiltInRoles.Everyone, Permissions.None, Permissions.View), RoleOverride("staff", Permissions.View, Permissions.None)]),
            (AccessPlaces.Category("news"), [RoleOverride(BuiltInRoles.Everyone, Permissions.None, Permissions.Reply)]),
            (AccessPlaces.Channel("staff"), [RoleOverride(BuiltInRoles.Everyone, Permissions.None, Permissions.View)]));

        var ann = PermissionResolver.ViewableCategories(rules, Member("ann"));
        Assert.True(ann.Default);
        Assert.Equal(["staff"], ann.Exceptions);
        Assert.True(ann.Contains("general") && ann.Contains("news") && !ann.Contains("staff"));
        Assert.True(PermissionResolver.ViewableCategories(rules, Member("sam", MemberRole.Member, "staff")).Contains("staff"));
        Assert.False(PermissionResolver.ViewableCategories(rules, null).Contains("staff"));

        // Where everyone is kept out by default, only the categories opened to the member are theirs.
        var closed = Rules(
            (AccessPlaces.Category("lobby"), [RoleOverride(BuiltInRoles.Everyone, Permissions.View, Permissions.None)])) with
        { Roles = [.. BuiltInRoles.Defaults.Select(r => r.Id == BuiltInRoles.Everyone ? r with { Permissions = Permissions.None } : r)] };
        var bob = PermissionResolver.ViewableCategories(closed, Member("bob"));
        Assert.False(bob.Default);
        Assert.Equal(["lobby"], bob.Exceptions);
        Assert.False(bob.Contains("general"));

        // Visitors of a restricted community view nothing, members everything.
        var restricted = Rules() with { Visibility = CommunityVisibility.Restricted };
        Assert.False(PermissionResolver.ViewableCategories(restricted, null).Contains("general"));
        Assert.True(PermissionResolver.ViewableCategories(restricted, Member("ann")).Contains("general"));
    }

    [Fact]
    public void Anyone_views_a_place_only_without_overrides_in_a_public_community()
    {
        var rules = Rules((AccessPlaces.Category("news"), [RoleOverride(BuiltInRoles.Everyone, Permissions.None, Permissions.Reply)]));
        Assert.True(PermissionResolver.AnyoneViews(rules, AccessPlaces.Category("general")));
        Assert.False(PermissionResolver.AnyoneViews(rules, AccessPlaces.Category("news")));
        Assert.False(PermissionResolver.AnyoneViews(rules with { Visibility = CommunityVisibility.Private }, AccessPlaces.Category("general")));
    }

    [Fact]
    public void Visitors_only_read_and_positions_rank_members()
    {
        var rules = Rules();
        Assert.Equal(Permissions.View, PermissionResolver.InChannel(rules, null, "general"));
        Assert.Equal(0, PermissionResolver.PositionOf(rules, Member("ann")));
        Assert.Equal(20, PermissionResolver.PositionOf(rules, Member("ann", MemberRole.Member, "staff", "vip")));
        Assert.Equal(BuiltInRoles.ModeratorPosition, PermissionResolver.PositionOf(rules, Member("mo", MemberRole.Moderator, "staff")));
        Assert.Equal(BuiltInRoles.OwnerPosition, PermissionResolver.PositionOf(rules, Member("o", MemberRole.Owner)));
    }

    [Fact]
    public void Permission_names_round_trip_and_unknown_names_are_refused()
    {
        Assert.Equal(BuiltInRoles.All, PermissionNames.Parse(PermissionNames.All, "permissions"));
        Assert.Equal(["view", "send"], PermissionNames.Format(Permissions.View | Permissions.Send));
        var ex = Assert.Throws<Errors.CommunityException>(() => PermissionNames.Parse(["view", "fly"], "allow"));
        Assert.Equal("invalid", ex.Code);
    }
}
