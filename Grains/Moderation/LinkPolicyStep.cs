using System.Text.RegularExpressions;
using CommunityScale.Errors;

namespace CommunityScale.Moderation;

/// <summary>
/// Link policy: denied domains are refused, an allow-list (when set) admits only its domains, and members below a
/// trust level may not post links at all. A domain rule covers its subdomains ("example.com" covers "www.example.com").
/// </summary>
public sealed partial class LinkPolicyStep(IReadOnlyList<string> allowedDomains, IReadOnlyList<string> deniedDomains, int minTrustLevel) : IModerationStep
{
    private readonly string[] _allowed = [.. allowedDomains.Select(d => d.Trim().TrimStart('.').ToLowerInvariant())];
    private readonly string[] _denied = [.. deniedDomains.Select(d => d.Trim().TrimStart('.').ToLowerInvariant())];

    public string Name => "links";

    public static IReadOnlyList<string> Domains(string text) =>
        [.. Link().Matches(text).Select(m => m.Groups["host"].Value.ToLowerInvariant().TrimEnd('.')).Distinct()];

    public Verdict? Evaluate(ModerationInput input)
    {
        var domains = Domains(input.Text);
        if (domains.Count == 0)
        {
            return null;
        }

        if (input.TrustLevel < minTrustLevel)
        {
            return new Verdict(ErrorCodes.BlockedContent, $"Links need trust level {minTrustLevel}; yours is {input.TrustLevel}.", Name);
        }

        foreach (var domain in domains)
        {
            if (_denied.Any(d => Covers(d, domain)))
            {
                return new Verdict(ErrorCodes.BlockedContent, $"Links to {domain} are not allowed here.", Name);
            }

            if (_allowed.Length > 0 && !_allowed.Any(d => Covers(d, domain)))
            {
                return new Verdict(ErrorCodes.BlockedContent, $"Only links to {string.Join(", ", _allowed)} are allowed here.", Name);
            }
        }

        return null;
    }

    private static bool Covers(string rule, string domain) =>
        domain == rule || domain.EndsWith("." + rule, StringComparison.Ordinal);

    /// <summary>http(s) URLs, www. hosts and bare domains with a known-looking top-level domain.</summary>
    [GeneratedRegex(@"(?:(?:https?://)(?<host>[a-z0-9.-]+\.[a-z]{2,})|(?<![\w@.])(?<host>(?:www\.)?(?:[a-z0-9-]+\.)+(?:com|net|org|de|io|co|info|biz|ru|xyz|ly|me|tv|gg|app|dev|eu|uk|at|ch|us|link|click|shop|top))(?![\w]))",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Link();
}
