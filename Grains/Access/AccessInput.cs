using System.Text.RegularExpressions;
using CommunityScale.Errors;

namespace CommunityScale.Access;

/// <summary>Checks and wording of role and override input, pure.</summary>
public static partial class AccessInput
{
    /// <summary>A role's colour: empty, or <c>#rrggbb</c> (stored lower-case).</summary>
    public static string RequireColour(string? colour) =>
        string.IsNullOrEmpty(colour) ? "" : ColourPattern().IsMatch(colour) ? colour.ToLowerInvariant()
            : throw CommunityException.Invalid("colour must be #rrggbb (or empty).");

    /// <summary>
    /// The place an override list is set on, as its key and, for a channel, its id: <c>channel:&lt;id&gt;</c> or
    /// <c>category:&lt;id&gt;</c>, naming one that exists (<c>not_found</c> otherwise).
    /// </summary>
    public static async Task<(string Key, string? ChannelId)> RequirePlace(string place, Func<string, Task<bool>> channelExists, Func<string, Task<bool>> categoryExists)
    {
        var (kind, id) = place.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 ? (place[..colon], place[(colon + 1)..]) : ("", "");
        switch (kind)
        {
            case "channel":
                var channelId = InputRules.RequireId(id, "channel id");
                return await channelExists(channelId) ? (AccessPlaces.Channel(channelId), channelId) : throw CommunityException.NotFound($"Channel '{channelId}'");
            case "category":
                var categoryId = InputRules.RequireId(id, "category id");
                return await categoryExists(categoryId) ? (AccessPlaces.Category(categoryId), null) : throw CommunityException.NotFound($"Category '{categoryId}'");
            default:
                throw CommunityException.Invalid("Overrides are set on a channel (channel:<id>) or a forum category (category:<id>).");
        }
    }

    /// <summary>
    /// Checks a place's new overrides (at most <paramref name="max"/>; roles and members that exist; only permissions
    /// the manager <paramref name="holds"/>) and merges those naming the same role or member into one.
    /// </summary>
    public static async Task<List<PermissionOverride>> Merge(IReadOnlyList<PermissionOverride> list, int max, Permissions holds,
        Func<string, bool> roleExists, Func<string, Task<bool>> memberExists, string communityId)
    {
        if (list.Count > max)
        {
            throw CommunityException.Invalid($"A place may have at most {max} overrides.");
        }

        var merged = new List<PermissionOverride>();
        foreach (var o in list)
        {
            var targetId = InputRules.RequireId(o.TargetId, o.Target == OverrideTarget.Role ? "role id" : "user id");
            if (o.Target == OverrideTarget.Role && !roleExists(targetId))
            {
                throw CommunityException.NotFound($"Role '{targetId}'");
            }

            if (o.Target == OverrideTarget.Member && !await memberExists(targetId))
            {
                throw CommunityException.NotFound($"Member '{targetId}' of '{communityId}'");
            }

            if (((o.Allow | o.Deny) & ~holds) != Permissions.None)
            {
                throw new CommunityException(ErrorCodes.Forbidden, "You cannot allow or deny what you do not hold yourself.");
            }

            if (merged.FindIndex(m => m.Target == o.Target && m.TargetId == targetId) is var at and >= 0)
            {
                merged[at] = merged[at] with { Allow = merged[at].Allow | o.Allow, Deny = merged[at].Deny | o.Deny };
            }
            else
            {
                merged.Add(new PermissionOverride(o.Target, targetId, o.Allow, o.Deny));
            }
        }

        return merged;
    }

    /// <summary>An override as the audit log says it.</summary>
    public static string Describe(PermissionOverride o) =>
        $"{o.Target.ToString().ToLowerInvariant()} {o.TargetId}: allow {string.Join(",", PermissionNames.Format(o.Allow))} deny {string.Join(",", PermissionNames.Format(o.Deny))}";

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex ColourPattern();
}
