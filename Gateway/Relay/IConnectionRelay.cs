using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CommunityScale.Gateway.Relay;

/// <summary>
/// What the hub and the host need from every relay, whatever it relays: the hub's disconnect and the host's
/// cluster-reconnect hook go through the collection of these, so adding a relay is one <see cref="RelayServices.AddRelay{TRelay}"/>
/// and cannot be forgotten in either place.
/// </summary>
public interface IConnectionRelay
{
    /// <summary>A connection closed: it leaves every feed it listened to here, and a feed left empty is unsubscribed.</summary>
    Task LeaveAll(string connectionId);

    /// <summary>
    /// The cluster connection came back (e.g. a silo restarted): stream subscriptions may be gone with it. Called from the
    /// Orleans client's callback, which does not wait for the returned task.
    /// </summary>
    Task OnClusterReconnected();

    /// <summary>
    /// The gateway's connections to the cluster changed (a silo came, went or died): events queued where it was may be
    /// lost, so feeds that relay a sequence look for missed items often for a while. Called from the Orleans client's
    /// callback: must not block.
    /// </summary>
    void OnClusterChanged()
    {
    }
}

public static class RelayServices
{
    /// <summary>
    /// Registers <typeparamref name="TRelay"/> as one singleton, seen as itself (for the hub's join and leave calls), as an
    /// <see cref="IConnectionRelay"/> and, if it is one, as a hosted service.
    /// </summary>
    public static IServiceCollection AddRelay<TRelay>(this IServiceCollection services)
        where TRelay : class, IConnectionRelay
    {
        // TryAdd: a relay registered twice must not be left twice per disconnect, nor have its loop started twice.
        services.TryAddSingleton<TRelay>();
        // Typed factory: TryAddEnumerable tells registrations apart by the factory's return type, never by object.
        Func<IServiceProvider, TRelay> same = sp => sp.GetRequiredService<TRelay>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionRelay>(same));
        if (typeof(IHostedService).IsAssignableFrom(typeof(TRelay)))
        {
            services.TryAddEnumerable(new ServiceDescriptor(typeof(IHostedService), same, ServiceLifetime.Singleton));
        }

        return services;
    }
}
