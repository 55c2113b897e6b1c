using CommunityScale.Chat.Journal;
using CommunityScale.Hosting;
using CommunityScale.ServiceDefaults;
using CommunityScale.Streams;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace CommunityScale.Silo.Storage.Journal;

public static class JournalRegistration
{
    /// <summary>The chat journal on the same provider as grain state (<c>Storage:Provider</c>), and its silo-wide writer.</summary>
    public static IServiceCollection AddChatJournal(this IServiceCollection services, IConfiguration config, ProviderSettings providers)
    {
        services.AddValidatedOptions<JournalOptions>(config, JournalOptions.Section);
        services.AddSingleton<ChannelJournal>();
        switch (providers.Storage)
        {
            case StorageProvider.AzureTable:
                services.AddSingleton<IJournalStore>(sp => AzureTableJournalStore.Create(
                    sp.GetRequiredService<IOptionsMonitor<AzureTableStorageOptions>>().Get(StorageNames.Main), sp.GetRequiredService<ILogger<AzureTableJournalStore>>()));
                break;
            case StorageProvider.Redis:
                services.AddSingleton<IJournalStore>(sp => new RedisJournalStore(providers.RedisConnectionString!,
                    sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
                break;
            case StorageProvider.Memory:
                services.AddSingleton<IJournalStore>(sp =>
                {
                    var cluster = sp.GetRequiredService<IOptions<ClusterOptions>>().Value;
                    return new MemoryJournalStore($"{cluster.ServiceId}/{cluster.ClusterId}");
                });
                break;
        }

        return services;
    }
}
