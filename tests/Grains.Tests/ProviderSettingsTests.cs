using CommunityScale.Hosting;

namespace CommunityScale.Grains.Tests;

[Trait("Area", "Cluster")]
public sealed class ProviderSettingsTests
{
    private static ProviderSettings Read(params (string Key, string Value)[] settings)
    {
        var map = settings.ToDictionary(s => s.Key, s => s.Value);
        return ProviderSettings.From(k => map.GetValueOrDefault(k));
    }

    [Fact]
    public void The_defaults_are_the_embedded_single_machine_setup()
    {
        var settings = Read();
        Assert.Equal((ClusteringProvider.Localhost, StorageProvider.AzureTable, RemindersProvider.Memory),
            (settings.Clustering, settings.Storage, settings.Reminders));
    }

    [Fact]
    public void Each_provider_is_one_switch()
    {
        var settings = Read(("Clustering:Provider", "Redis"), ("Storage:Provider", "redis"), ("Reminders:Provider", "Redis"), ("Redis:ConnectionString", "127.0.0.1:6379"));
        Assert.Equal((ClusteringProvider.Redis, StorageProvider.Redis, RemindersProvider.Redis), (settings.Clustering, settings.Storage, settings.Reminders));
        Assert.Equal(StorageProvider.Memory, Read(("Storage:Provider", "Memory")).Storage);
    }

    [Theory]
    [InlineData("Clustering:Provider", "Zookeeper")]
    [InlineData("Storage:Provider", "Cassandra")]
    [InlineData("Reminders:Provider", "7")]
    public void An_unknown_provider_fails_naming_the_setting_and_the_choices(string key, string value)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Read((key, value)));
        Assert.StartsWith($"{key} is '{value}'; it must be one of", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_without_a_connection_string_fails_naming_both_settings()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Read(("Clustering:Provider", "Redis"), ("Storage:Provider", "Redis")));
        Assert.Equal("Redis:ConnectionString is required when Clustering:Provider and Storage:Provider is Redis.", ex.Message);
    }
}
