using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CommunityScale.Integrations;

/// <summary>
/// How a delivery proves where it came from: <c>X-CommunityScale-Signature: v1=&lt;hex HMAC-SHA256(secret, timestamp + "." + body)&gt;</c>,
/// one <c>v1=</c> per valid secret (two while a rotated secret's overlap lasts), and the timestamp in its own header so a
/// receiver rejects replays older than its tolerance.
/// </summary>
public static class WebhookSigning
{
    public const string SignatureHeader = "X-CommunityScale-Signature";
    public const string TimestampHeader = "X-CommunityScale-Timestamp";
    public const string EventIdHeader = "X-CommunityScale-Event-Id";
    public const string EventKindHeader = "X-CommunityScale-Event";

    public static string Sign(string secret, long timestamp, string body) =>
        "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp.ToString(CultureInfo.InvariantCulture)}.{body}")));

    public static string Header(IEnumerable<string> secrets, long timestamp, string body) => string.Join(",", secrets.Select(s => Sign(s, timestamp, body)));

    /// <summary>What a receiver does: some signature in the header matches, and the timestamp is recent.</summary>
    public static bool Verify(string? header, string? timestampHeader, string body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        if (header is null || !long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || Math.Abs(now.ToUnixTimeSeconds() - timestamp) > tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, timestamp, body));
        return header.Split(',').Any(candidate => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate.Trim()), expected));
    }

    public static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
