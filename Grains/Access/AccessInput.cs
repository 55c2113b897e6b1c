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

    /// <summary>An override as the audit log says it.</summary>
    public static string Describe(PermissionOverride o) =>
        $"{o.Target.ToString().ToLowerInvariant()} {o.TargetId}: allow {string.Join(",", PermissionNames.Format(o.Allow))} deny {string.Join(",", PermissionNames.Format(o.Deny))}";

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex ColourPattern();
}
