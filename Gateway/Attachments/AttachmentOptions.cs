namespace CommunityScale.Gateway.Attachments;

/// <summary>Where uploads go (<c>Attachments</c> section) and how long a download link lives.</summary>
public sealed class AttachmentOptions
{
    public const string Section = "Attachments";

    /// <summary>Azure Blob Storage (Azurite locally). Empty: uploads are refused with <c>unavailable</c>.</summary>
    public string ConnectionString { get; set; } = "";

    public string Container { get; set; } = "attachments";

    /// <summary>A link stops working after this; the page asks for a new one when it shows the post again.</summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromMinutes(5);
}
