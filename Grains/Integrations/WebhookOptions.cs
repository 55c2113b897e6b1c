using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Options;

/// <summary>Webhook delivery (<c>Webhooks</c> section): the retry budget, when an endpoint is given up on, the SSRF switch.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Development only: allow <c>http://</c> targets on loopback (a local receiver). Never in production.</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Attempts per delivery (the first and the retries).</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The first retry's delay; each next one doubles, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A delivery's whole budget, retries included; then it is dead-lettered.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Dead letters in a row after which the endpoint is disabled and the admins told.</summary>
    [Range(1, 1000)]
    public int DisableAfterFailures { get; set; } = 5;

    /// <summary>How long a rotated-out secret still signs deliveries beside the new one.</summary>
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(24);
}
