using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using CommunityScale.Gateway.Relay;
using CommunityScale.Streams;
using CommunityScale.StorageLink;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// One Azurite, one silo and one gateway for all gateway tests (each test makes its own communities). The gateway
/// relays through <see cref="DropChosenEvents"/>, so a test can make the stream lose the events it names.
/// </summary>
public sealed class SystemFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;

    public ChatSystem System { get; private set; } = null!;

    public DropChosenEvents Drops { get; } = new();

    private readonly Lazy<Task<ProviderGateway>> _providerGateway;

    public SystemFixture() => _providerGateway = new(StartProviderGatewayAsync);

    /// <summary>
    /// A loopback OpenID Connect provider and a second gateway on the same silo that accepts its tokens, started by the
    /// first test that asks (tests of this collection run one at a time, so they may share and rotate its keys).
    /// </summary>
    public Task<ProviderGateway> ProviderGatewayAsync() => _providerGateway.Value;

    /// <summary>The settings that make a gateway accept <paramref name="provider"/>'s tokens.</summary>
    public static Dictionary<string, string?> ProviderSettings(OidcProvider provider) => new()
    {
        ["Auth:Authority"] = provider.Issuer,
        ["Auth:Audience"] = provider.Audience,
        ["Auth:ClientId"] = provider.ClientId,
        // Loopback: plain http. A key rotation is picked up within a second, so a test need not wait five minutes.
        ["Auth:RequireHttpsMetadata"] = "false",
        ["Auth:RefreshInterval"] = "00:00:01",
    };

    private async Task<ProviderGateway> StartProviderGatewayAsync()
    {
        var provider = await OidcProvider.StartAsync();
        var (app, url) = await System.StartExtraGatewayAsync(ProviderSettings(provider));
        return new ProviderGateway(provider, app, url);
    }

    public Uri Url => System.GatewayUrl;

    public static Dictionary<string, string?> Settings(AzuriteServer azurite) => new()
    {
        ["Storage:Provider"] = "AzureTable",
        ["Storage:AzureTable:ConnectionString"] = azurite.ConnectionString,
        ["Storage:AzureTable:TableName"] = $"t{Guid.NewGuid():n}",
        ["Gateway:CatchUpInterval"] = "00:00:01",
        ["Gateway:PresenceReportInterval"] = "00:00:00.200",
        // Heartbeats well within a short expiry, so a test sees a count outlive the expiry without being sent again.
        ["Gateway:PresenceRefreshInterval"] = "00:00:00.500",
        ["Presence:GatewayExpiry"] = "00:00:03",
        ["Attachments:ConnectionString"] = azurite.BlobPort > 0 ? azurite.BlobConnectionString : null,
        ["Webhooks:AllowLoopback"] = "true",
        ["Webhooks:MaxAttempts"] = "3",
        ["Webhooks:RetryBaseDelay"] = "00:00:00.050",
        ["Webhooks:AttemptTimeout"] = "00:00:00.500",
        ["Webhooks:TotalTimeout"] = "00:00:05",
        ["Webhooks:DisableAfterFailures"] = "3",
    };

    /// <summary>Settings whose Azure Table traffic goes through <paramref name="link"/>, so a test can cut storage off.</summary>
    public static Dictionary<string, string?> SettingsThrough(AzuriteServer azurite, TcpProxy link)
    {
        var settings = Settings(azurite);
        settings["Storage:AzureTable:ConnectionString"] = azurite.ConnectionString.Replace($":{azurite.Port}/", $":{link.Port}/", StringComparison.Ordinal);
        return settings;
    }

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync(blobs: true);
        System = new ChatSystem(Settings(Azurite), b => b.Services.AddSingleton<IChannelEventFilter>(Drops));
        await System.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_providerGateway.IsValueCreated && _providerGateway.Value.IsCompletedSuccessfully)
        {
            await (await _providerGateway.Value).DisposeAsync();
        }

        await System.DisposeAsync();
        await Azurite.DisposeAsync();
    }

    /// <summary>A new community (owned by <paramref name="owner"/>) with one channel, and the other users joined as members.</summary>
    public static async Task<(string Community, string Channel)> NewChannel(TestUser owner, params TestUser[] members)
    {
        var community = $"c-{Guid.NewGuid():n}"[..20];
        (await owner.PostAsync("/api/communities", new { id = community, name = "Fans" })).EnsureSuccessStatusCode();
        (await owner.PostAsync($"/api/communities/{community}/channels", new { id = "live", name = "Live" })).EnsureSuccessStatusCode();
        foreach (var member in members)
        {
            (await member.PostAsync($"/api/communities/{community}/members")).EnsureSuccessStatusCode();
        }

        return (community, "live");
    }

    /// <summary>The stable code of a refused hub call (the server's HubException message starts with it).</summary>
    public static string CodeOf(HubException ex)
    {
        var match = Regex.Match(ex.Message, "HubException: ([a-z_]+): ");
        return match.Success ? match.Groups[1].Value : ex.Message;
    }
}

/// <summary>A gateway that accepts the tokens of <see cref="Provider"/> (and still its own).</summary>
public sealed record ProviderGateway(OidcProvider Provider, Microsoft.AspNetCore.Builder.WebApplication App, Uri Url) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SharedSystem : ICollectionFixture<SystemFixture>
{
    public const string Name = "system";
}

/// <summary>Drops the stream events a test names, as a lossy stream would.</summary>
public sealed class DropChosenEvents : IChannelEventFilter
{
    private readonly ConcurrentDictionary<(string Community, string Channel, long Seq), bool> _drop = new();

    public void Drop(string community, string channel, params long[] seqs)
    {
        foreach (var seq in seqs)
        {
            _drop[(community, channel, seq)] = true;
        }
    }

    public bool ShouldRelay(ChannelStreamEvent streamEvent) =>
        streamEvent is not MessagePosted { Message: var m } || !_drop.ContainsKey((m.CommunityId, m.ChannelId, m.Seq));
}
