using CommunityScale.Gateway.Hosting;
using CommunityScale.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.TestSupport;

/// <summary>
/// A real silo and a real gateway (Kestrel on a free loopback port) in this process, built by the same code as the
/// shipped programs, on the given storage. They can be stopped and started again on the same storage.
/// </summary>
public sealed class ChatSystem : IAsyncDisposable
{
    public const string SigningKey = "test-signing-key-0123456789-0123456789-abcdef";
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<WebApplicationBuilder>? _customizeGateway;
    private readonly Action<WebApplicationBuilder>? _customizeSilo;
    private WebApplication? _silo;
    private WebApplication? _gateway;
    private Dictionary<string, string?> _currentSettings = [];

    public ChatSystem(IDictionary<string, string?> settings, Action<WebApplicationBuilder>? customizeGateway = null, Action<WebApplicationBuilder>? customizeSilo = null)
    {
        _settings = new Dictionary<string, string?>(settings)
        {
            ["Orleans:ClusterId"] = $"test-{Guid.NewGuid():n}",
            ["Orleans:ServiceId"] = "communityscale-tests",
            ["Auth:SigningKey"] = SigningKey,
            ["Auth:DevTokens"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _customizeGateway = customizeGateway;
        _customizeSilo = customizeSilo;
    }

    // Each program reads its own appsettings.json and (the gateway) serves its own wwwroot, as when run from its folder.
    private static string SiloContentRoot => $"--contentRoot={Path.Combine(RepoPaths.Root, "Silo")}";

    private static string GatewayContentRoot => $"--contentRoot={Path.Combine(RepoPaths.Root, "Gateway")}";

    public Uri GatewayUrl { get; private set; } = null!;

    public IServiceProvider GatewayServices => _gateway!.Services;

    public IServiceProvider SiloServices => _silo!.Services;

    public Uri SiloUrl => new(_silo!.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());

    public async Task StartAsync()
    {
        var siloPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        var settings = new Dictionary<string, string?>(_settings)
        {
            ["Orleans:SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        _currentSettings = settings;
        var args = settings.Select(kv => $"--{kv.Key}={kv.Value}").ToList();

        _silo = SiloApp.Build([.. args, "--urls=http://127.0.0.1:0", SiloContentRoot], _customizeSilo);
        await _silo.StartAsync();

        _gateway = GatewayApp.Build([.. args, "--urls=http://127.0.0.1:0", GatewayContentRoot], _customizeGateway);
        await _gateway.StartAsync();
        var address = _gateway.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        GatewayUrl = new Uri(address);
    }

    /// <summary>Starts another gateway on the same cluster, with extra settings; the caller disposes it.</summary>
    public async Task<(WebApplication App, Uri Url)> StartExtraGatewayAsync(IDictionary<string, string?> overrides)
    {
        var settings = new Dictionary<string, string?>(_currentSettings);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var app = GatewayApp.Build([.. settings.Select(kv => $"--{kv.Key}={kv.Value}"), "--urls=http://127.0.0.1:0", GatewayContentRoot]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return (app, new Uri(address));
    }

    public async Task StopAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
            _gateway = null;
        }

        if (_silo is not null)
        {
            await _silo.StopAsync();
            await _silo.DisposeAsync();
            _silo = null;
        }
    }

    /// <summary>Stops the silo and starts a new one on the same ports and storage, leaving the gateway running.</summary>
    public async Task RestartSiloAsync()
    {
        await _silo!.StopAsync();
        await _silo.DisposeAsync();
        _silo = SiloApp.Build([.. _currentSettings.Select(kv => $"--{kv.Key}={kv.Value}"), "--urls=http://127.0.0.1:0", SiloContentRoot], _customizeSilo);
        await _silo.StartAsync();
    }

    /// <summary>
    /// Stops the gateway, runs <paramref name="whileDown"/>, and starts a new gateway on the same address (browsers
    /// reconnect to the origin they loaded the page from).
    /// </summary>
    public async Task RestartGatewayAsync(Func<Task>? whileDown = null)
    {
        await _gateway!.StopAsync();
        await _gateway.DisposeAsync();
        if (whileDown is not null)
        {
            await whileDown();
        }

        _gateway = GatewayApp.Build([.. _currentSettings.Select(kv => $"--{kv.Key}={kv.Value}"), $"--urls=http://127.0.0.1:{GatewayUrl.Port}", GatewayContentRoot], _customizeGateway);
        await _gateway.StartAsync();
    }

    /// <summary>Starts another silo in the same cluster (needs Redis clustering); the caller disposes it.</summary>
    public async Task<WebApplication> StartExtraSiloAsync()
    {
        var settings = new Dictionary<string, string?>(_currentSettings)
        {
            ["Orleans:SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var silo = SiloApp.Build([.. settings.Select(kv => $"--{kv.Key}={kv.Value}"), "--urls=http://127.0.0.1:0", SiloContentRoot]);
        await silo.StartAsync();
        return silo;
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
