using System.Text.RegularExpressions;

namespace CommunityScale.Privacy;

/// <summary>
/// What an erased member becomes where a record must keep counting them (audit entries, KPI sets, votes): a random
/// name that nothing links back to them. Free text keeps its words except the member's id and display name.
/// </summary>
public sealed class Pseudonym(string userId, string displayName, string pseudonym)
{
    private readonly Regex _names = new(
        string.Join('|', new[] { userId, displayName }.Where(n => n.Length > 0).Distinct().OrderByDescending(n => n.Length).Select(n => $@"(?<![\w-]){Regex.Escape(n)}(?![\w-])")),
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1));

    public string Value => pseudonym;

    /// <summary>A new pseudonym: <c>erased-</c> and 12 random hex digits.</summary>
    public static string NewValue() => $"erased-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6))}";

    /// <summary><paramref name="text"/> with every whole-word occurrence of the member's id or name replaced.</summary>
    public string Scrub(string text) => text.Length == 0 ? text : _names.Replace(text, pseudonym);

    /// <summary>Whether <see cref="Scrub"/> would change <paramref name="text"/>: an export takes what an erasure rewrites.</summary>
    public bool Names(string text) => text.Length > 0 && _names.IsMatch(text);

    /// <summary>Replaces each record of <paramref name="items"/> that <paramref name="change"/> alters; true when any was (so the caller writes).</summary>
    public static bool Rewrite<T>(List<T> items, Func<T, T> change)
    {
        var changed = false;
        for (var i = 0; i < items.Count; i++)
        {
            var after = change(items[i]);
            if (!EqualityComparer<T>.Default.Equals(after, items[i]))
            {
                items[i] = after;
                changed = true;
            }
        }

        return changed;
    }
}
