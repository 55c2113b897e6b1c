using CommunityScale.Options;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CommunityScale.Chat;

/// <summary>
/// Sums the online counts that gateways report for one channel and publishes the total on the channel stream when
/// it changes. Gateways report a count when it changes and rarely otherwise; a count older than
/// <see cref="PresenceOptions.GatewayExpiry"/> is kept while its gateway is alive (<see cref="LiveGateways"/>), so a
/// crashed gateway's count goes about two expiries after its last heartbeat (the expiry, the silo's cached answer, this
/// grain's check). Presence is soft state: it is rebuilt from the next reports, so it is never stored. A change is
/// published after the wait <see cref="PresencePacing"/> sets for the channel's size; changes within the wait are folded
/// into one.
/// </summary>
public sealed class ChannelPresenceGrain(
    IOptions<PresenceOptions> options, LiveGateways liveGateways, [FromKeyedServices(DomainClock.Key)] TimeProvider clock) : Grain, IChannelPresenceGrain
{
    private readonly Dictionary<string, (int Online, DateTimeOffset ReportedAt)> _gateways = new(StringComparer.Ordinal);
    private int _published = -1;
    private DateTimeOffset _publishedAt;
    private IGrainTimer? _pending;
    private ChannelKey _key;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ChannelKey.Parse(this.GetPrimaryKeyString());
        var period = options.Value.GatewayExpiry;
        this.RegisterGrainTimer(ExpireSilentGateways, new GrainTimerCreationOptions(period, period) { Interleave = false, KeepAlive = false });
        return Task.CompletedTask;
    }

    public async Task Report(string gatewayId, int online)
    {
        if (online <= 0)
        {
            _gateways.Remove(gatewayId);
        }
        else
        {
            _gateways[gatewayId] = (online, clock.GetUtcNow());
        }

        await PublishIfChanged();
    }

    public Task<int> GetOnline() => Task.FromResult(Total());

    private int Total() => _gateways.Values.Sum(g => g.Online);

    private async Task ExpireSilentGateways(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - options.Value.GatewayExpiry;
        foreach (var gateway in _gateways.Where(g => g.Value.ReportedAt < cutoff).Select(g => g.Key).ToList())
        {
            if (!await liveGateways.IsAlive(gateway))
            {
                _gateways.Remove(gateway);
            }
        }

        await PublishIfChanged();
    }

    private Task PublishPending(CancellationToken cancellationToken)
    {
        _pending?.Dispose();
        _pending = null;
        return PublishIfChanged();
    }

    private async Task PublishIfChanged()
    {
        var total = Total();
        if (total == _published || _pending is not null)
        {
            return;
        }

        // Pacing is in real time, like the timer that waits it out: the domain clock is community time, which tests move
        // and freeze (a frozen one would keep a count waiting for ever).
        var now = TimeProvider.System.GetUtcNow();
        var wait = PresencePacing.Wait(_publishedAt, Math.Max(0, _published), total, now, options.Value.DeliveriesPerSecond, options.Value.MaxPublishInterval);
        if (wait > TimeSpan.Zero)
        {
            _pending = this.RegisterGrainTimer(PublishPending, new GrainTimerCreationOptions(wait, Timeout.InfiniteTimeSpan) { Interleave = false });
            return;
        }

        _published = total;
        _publishedAt = now;
        await this.GetStreamProvider(StreamNames.Provider)
            .GetStream<ChannelStreamEvent>(StreamNames.ForChannel(_key))
            .OnNextAsync(new PresenceChanged(_key.CommunityId, _key.ChannelId, total));
    }
}
