using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace CommunityScale.Silo.Storage;

public static class StorageRegistration
{
    /// <summary>Registers <see cref="AzureTableGrainStorage"/> under <paramref name="name"/>, configured from <c>Storage:AzureTable</c>.</summary>
    public static IServiceCollection AddAzureTableGrainStorage(this IServiceCollection services, string name)
    {
        services.AddOptions<AzureTableStorageOptions>(name)
            .BindConfiguration(AzureTableStorageOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), "Storage:AzureTable:ConnectionString is required when Storage:Provider is AzureTable.")
            .ValidateOnStart();
        return services.AddGrainStorage(name, (sp, providerName) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<AzureTableStorageOptions>>().Get(providerName);
            return new AzureTableGrainStorage(providerName, CreateServiceClient(options), options,
                new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>()),
                sp.GetRequiredService<ILogger<AzureTableGrainStorage>>());
        });
    }

    public static TableServiceClient CreateServiceClient(AzureTableStorageOptions options) =>
        new(options.ConnectionString, ClientOptions(options));

    /// <summary>The SDK settings every table client of the silo uses: few, fixed retries within the request timeout.</summary>
    public static TableClientOptions ClientOptions(AzureTableStorageOptions options)
    {
        var clientOptions = new TableClientOptions();
        clientOptions.Retry.MaxRetries = 2;
        clientOptions.Retry.Mode = RetryMode.Fixed;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(200);
        clientOptions.Retry.NetworkTimeout = options.RequestTimeout;
        return clientOptions;
    }
}
