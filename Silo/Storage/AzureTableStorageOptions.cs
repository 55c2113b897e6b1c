using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Silo.Storage;

/// <summary>Grain state in Azure Table Storage (or Azurite), bound from <c>Storage:AzureTable</c>.</summary>
public sealed class AzureTableStorageOptions
{
    public const string Section = "Storage:AzureTable";

    /// <summary>An Azure Storage connection string; <c>UseDevelopmentStorage=true</c> means Azurite on its default ports.</summary>
    public string ConnectionString { get; set; } = "";

    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "Storage:AzureTable:TableName must be 3-63 letters and digits, starting with a letter.")]
    public string TableName { get; set; } = "grainstate";

    /// <summary>
    /// The largest serialized state the provider accepts. All of a state is written in one entity-group transaction,
    /// which Azure caps at 4 MiB of (base64-inflated) payload, so the default stays well inside it.
    /// </summary>
    [Range(1, 3_000_000)]
    public int MaxStateBytes { get; set; } = 2_500_000;

    /// <summary>How long one storage request may take before the write fails (sends then fail fast instead of hanging).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
