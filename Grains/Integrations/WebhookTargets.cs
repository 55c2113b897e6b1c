using System.Net;
using System.Net.Sockets;
using CommunityScale.Errors;

namespace CommunityScale.Integrations;

/// <summary>
/// The SSRF guard. Registration: an absolute <c>https://</c> URL without credentials whose host is not a loopback,
/// private, link-local or otherwise internal address. Delivery: the address a host name resolves to is checked again
/// when the connection opens (<see cref="IsForbidden"/>), so a name that later points inside (DNS rebinding) is refused
/// too. Development may allow <c>http://</c> to loopback, for local receivers.
/// </summary>
public static class WebhookTargets
{
    public const int MaxUrlLength = 2_000;

    public static Uri RequireUrl(string? url, bool allowLoopback)
    {
        if (url is null || url.Length > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw CommunityException.Invalid($"url must be an absolute URL of at most {MaxUrlLength} characters.");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw CommunityException.Invalid("url must not carry credentials.");
        }

        var loopback = uri.IsLoopback;
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowLoopback && loopback && uri.Scheme == Uri.UriSchemeHttp))
        {
            throw CommunityException.Invalid("url must use https.");
        }

        if (loopback ? !allowLoopback : IPAddress.TryParse(uri.IdnHost, out var address) && IsForbidden(address))
        {
            throw CommunityException.Invalid("url must not point at a loopback, private or internal address.");
        }

        if (uri.HostNameType == UriHostNameType.Dns && !uri.IdnHost.Contains('.', StringComparison.Ordinal) && !loopback)
        {
            throw CommunityException.Invalid("url must name a public host (a bare name resolves inside the network).");
        }

        return uri;
    }

    /// <summary>Addresses a webhook must never reach: this machine, private networks, link-local (cloud metadata), CGNAT, multicast.</summary>
    public static bool IsForbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] is 0 or 10 or 127 or >= 224
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] is >= 64 and <= 127)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0);
        }

        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal;
    }
}
