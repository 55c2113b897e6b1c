namespace CommunityScale.Hosting;

public enum ClusteringProvider
{
    Localhost,
    Redis,
}

public enum StorageProvider
{
    AzureTable,
    Redis,
    Memory,
}

public enum RemindersProvider
{
    Memory,
    Redis,
}

/// <summary>
/// The one-switch-each provider choices that silos and gateways must agree on, read from configuration
/// (<c>Clustering:Provider</c>, <c>Storage:Provider</c>, <c>Reminders:Provider</c>, <c>Redis:ConnectionString</c>).
/// A bad or missing value fails at start-up with a message that names the setting.
/// </summary>
public sealed record ProviderSettings(
    ClusteringProvider Clustering,
    StorageProvider Storage,
    RemindersProvider Reminders,
    string? RedisConnectionString)
{
    public const string ClusteringKey = "Clustering:Provider";
    public const string StorageKey = "Storage:Provider";
    public const string RemindersKey = "Reminders:Provider";
    public const string RedisKey = "Redis:ConnectionString";

    /// <summary>Reads and checks the settings; <paramref name="setting"/> looks a key up (e.g. <c>k => configuration[k]</c>).</summary>
    public static ProviderSettings From(Func<string, string?> setting)
    {
        var settings = new ProviderSettings(
            Parse(setting, ClusteringKey, ClusteringProvider.Localhost),
            Parse(setting, StorageKey, StorageProvider.AzureTable),
            Parse(setting, RemindersKey, RemindersProvider.Memory),
            setting(RedisKey));
        var needsRedis = new List<string>();
        if (settings.Clustering == ClusteringProvider.Redis)
        {
            needsRedis.Add(ClusteringKey);
        }

        if (settings.Storage == StorageProvider.Redis)
        {
            needsRedis.Add(StorageKey);
        }

        if (settings.Reminders == RemindersProvider.Redis)
        {
            needsRedis.Add(RemindersKey);
        }

        if (needsRedis.Count > 0 && string.IsNullOrWhiteSpace(settings.RedisConnectionString))
        {
            throw new InvalidOperationException($"{RedisKey} is required when {string.Join(" and ", needsRedis)} is Redis.");
        }

        return settings;
    }

    private static T Parse<T>(Func<string, string?> setting, string key, T fallback)
        where T : struct, Enum
    {
        var value = setting(key);
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : throw new InvalidOperationException($"{key} is '{value}'; it must be one of {string.Join(", ", Enum.GetNames<T>())}.");
    }
}
