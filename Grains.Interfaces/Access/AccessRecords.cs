namespace CommunityScale.Access;

/// <summary>
/// What a member may do, as flags: the fixed, documented set roles and overrides grant or take away (docs/api.md,
/// "Roles and permissions"). Values are stored: never renumber one.
/// </summary>
[Flags, GenerateSerializer, Alias("cs.Permissions")]
public enum Permissions : long
{
    None = 0,
    View = 1 << 0,
    Send = 1 << 1,
    React = 1 << 2,
    Attach = 1 << 3,
    CreateThreads = 1 << 4,
    Reply = 1 << 5,
    MentionEveryone = 1 << 6,
    ManageMessages = 1 << 7,
    Moderate = 1 << 8,
    ManageEvents = 1 << 9,
    ManageCampaigns = 1 << 10,
    ViewKpis = 1 << 11,
    ManageWebhooks = 1 << 12,
    ManageRoles = 1 << 13,
}

/// <summary>A role of a community: built in (<see cref="BuiltInRoles"/>) or made by its managers.</summary>
[GenerateSerializer, Immutable, Alias("cs.CommunityRole")]
public sealed record CommunityRole(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Colour,
    [property: Id(3)] int Position,
    [property: Id(4)] Permissions Permissions);

[GenerateSerializer, Alias("cs.OverrideTarget")]
public enum OverrideTarget
{
    Role = 0,
    Member = 1,
}

/// <summary>On one place (a channel or a forum category): what a role or a member is allowed or denied beyond their roles.</summary>
[GenerateSerializer, Immutable, Alias("cs.PermissionOverride")]
public sealed record PermissionOverride(
    [property: Id(0)] OverrideTarget Target,
    [property: Id(1)] string TargetId,
    [property: Id(2)] Permissions Allow,
    [property: Id(3)] Permissions Deny);

/// <summary>
/// A community's roles and overrides as of one version: what every check needs besides the member's own record.
/// Overrides are keyed by place (<see cref="AccessPlaces"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.AccessRules")]
public sealed record AccessRules(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<CommunityRole> Roles,
    [property: Id(2)] IReadOnlyDictionary<string, IReadOnlyList<PermissionOverride>> Overrides,
    [property: Id(3)] CommunityVisibility Visibility = CommunityVisibility.Public)
{
    public static AccessRules Default { get; } = new(0, BuiltInRoles.Defaults, new Dictionary<string, IReadOnlyList<PermissionOverride>>());

    public CommunityRole? Role(string id) => Roles.FirstOrDefault(r => r.Id == id);

    public IReadOnlyList<PermissionOverride> OverridesOf(string place) => Overrides.TryGetValue(place, out var list) ? list : [];
}

/// <summary>A signed-in user as a community's content sees them: a member or a visitor, and what they may do there.</summary>
[GenerateSerializer, Immutable, Alias("cs.CommunityReader")]
public sealed record CommunityReader([property: Id(0)] bool Member, [property: Id(1)] Permissions Permissions);

/// <summary>A role as a manager writes it (create or replace).</summary>
[GenerateSerializer, Immutable, Alias("cs.RoleDraft")]
public sealed record RoleDraft(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Colour,
    [property: Id(3)] int Position,
    [property: Id(4)] Permissions Permissions);

/// <summary>The places overrides are set on.</summary>
public static class AccessPlaces
{
    public static string Channel(string channelId) => $"channel:{channelId}";

    public static string Category(string categoryId) => $"category:{categoryId}";
}

/// <summary>
/// The built-in roles: everyone (every member, and what a signed-in visitor of a public community may read), moderator,
/// admin and owner. Members hold the moderator or admin role through their rank (<see cref="Communities.MemberRole"/>),
/// so every earlier check by rank keeps its meaning. Everyone's and the moderators' permissions may be changed; admins
/// and the owner hold every permission and pass every override.
/// </summary>
public static class BuiltInRoles
{
    public const string Everyone = "everyone";
    public const string Moderator = "moderator";
    public const string Admin = "admin";
    public const string Owner = "owner";

    /// <summary>Custom roles sit between everyone and the admins; the moderators' place among them is theirs to choose.</summary>
    public const int ModeratorPosition = 1000;
    public const int AdminPosition = 2000;
    public const int OwnerPosition = 3000;
    public const int MaxCustomPosition = AdminPosition - 1;

    public const Permissions All = (Permissions)((1L << 14) - 1);

    public const Permissions EveryoneDefault =
        Permissions.View | Permissions.Send | Permissions.React | Permissions.Attach | Permissions.CreateThreads | Permissions.Reply;

    public const Permissions ModeratorDefault = EveryoneDefault | Permissions.MentionEveryone | Permissions.ManageMessages | Permissions.Moderate;

    public static IReadOnlyList<CommunityRole> Defaults { get; } =
    [
        new(Everyone, "everyone", "", 0, EveryoneDefault),
        new(Moderator, "moderator", "#2e7d32", ModeratorPosition, ModeratorDefault),
        new(Admin, "admin", "#c62828", AdminPosition, All),
        new(Owner, "owner", "#6a1b9a", OwnerPosition, All),
    ];

    public static bool IsBuiltIn(string roleId) => roleId is Everyone or Moderator or Admin or Owner;
}

/// <summary>Permissions names of the public API: snake_case, one per flag.</summary>
public static class PermissionNames
{
    private static readonly (Permissions Flag, string Name)[] Names =
    [
        (Permissions.View, "view"), (Permissions.Send, "send"), (Permissions.React, "react"), (Permissions.Attach, "attach"),
        (Permissions.CreateThreads, "create_threads"), (Permissions.Reply, "reply"), (Permissions.MentionEveryone, "mention_everyone"),
        (Permissions.ManageMessages, "manage_messages"), (Permissions.Moderate, "moderate"), (Permissions.ManageEvents, "manage_events"),
        (Permissions.ManageCampaigns, "manage_campaigns"), (Permissions.ViewKpis, "view_kpis"), (Permissions.ManageWebhooks, "manage_webhooks"),
        (Permissions.ManageRoles, "manage_roles"),
    ];

    public static IReadOnlyList<string> All { get; } = [.. Names.Select(n => n.Name)];

    public static IReadOnlyList<string> Format(Permissions permissions) => [.. Names.Where(n => permissions.HasFlag(n.Flag)).Select(n => n.Name)];

    /// <summary>The flags named, or <c>invalid</c> naming the first unknown name.</summary>
    public static Permissions Parse(IEnumerable<string>? names, string field)
    {
        var result = Permissions.None;
        foreach (var name in names ?? [])
        {
            var match = Array.Find(Names, n => n.Name == name);
            if (match.Name is null)
            {
                throw Errors.CommunityException.Invalid($"{field}: unknown permission '{name}' (known: {string.Join(", ", All)}).");
            }

            result |= match.Flag;
        }

        return result;
    }
}
