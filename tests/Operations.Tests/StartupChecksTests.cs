using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CommunityScale.Gateway.Hosting;
using CommunityScale.Gateway.Tests;
using CommunityScale.Silo.Hosting;
using CommunityScale.StorageLink;
using CommunityScale.TestSupport;
using Microsoft.Extensions.Options;

namespace CommunityScale.Operations.Tests;

[Trait("Area", "Operations")]
public sealed class StartupChecksTests
{
    private static string[] SiloArgs(params string[] extra) =>
        ["--Storage:Provider=Memory", $"--Orleans:SiloPort={FreePort.Next()}", $"--Orleans:GatewayPort={FreePort.Next()}", $"--Orleans:ClusterId=c{Guid.NewGuid():n}", "--urls=http://127.0.0.1:0", .. extra];

    [Theory]
    [InlineData("--Chat:RateLimitCount=0", "RateLimitCount")]
    [InlineData("--Chat:HistoryPageSize=3", "HistoryPageSize")]
    [InlineData("--Presence:GatewayExpiry=00:00:00", "GatewayExpiry")]
    public async Task A_bad_silo_setting_stops_the_silo_with_the_setting_named(string arg, string setting)
    {
        await using var silo = SiloApp.Build(SiloArgs(arg));
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => silo.StartAsync());
        Assert.Contains(setting, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Gateway:JoinBacklogLimit=0", "JoinBacklogLimit")]
    [InlineData("--Gateway:CatchUpInterval=00:00:00", "CatchUpInterval")]
    [InlineData("--Auth:TokenLifetime=00:00:01", "TokenLifetime")]
    public async Task A_bad_gateway_setting_stops_the_gateway_with_the_setting_named(string arg, string setting)
    {
        // Some settings are read while the app is composed, others when it starts: either way it must not run.
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var gateway = GatewayApp.Build([$"--Auth:SigningKey={ChatSystem.SigningKey}", $"--Orleans:GatewayPort={FreePort.Next()}", "--Orleans:ConnectTimeout=00:00:01", "--urls=http://127.0.0.1:0", arg]);
            await gateway.StartAsync();
        });
        Assert.Contains(setting, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_silo_is_ready_only_while_its_storage_answers()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var link = new TcpProxy(azurite.Port);
        await using var system = new ChatSystem(SystemFixture.SettingsThrough(azurite, link));
        await system.StartAsync();
        using var http = new HttpClient { BaseAddress = system.SiloUrl };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);

        link.Cut();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);

        link.Restore();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task The_dashboard_is_off_by_default_and_behind_a_login_when_on()
    {
        var port = FreePort.Next();
        await using var silo = SiloApp.Build(SiloArgs($"--Dashboard:Port={port}", "--Dashboard:Username=sre", "--Dashboard:Password=correct-horse-battery"));
        await silo.StartAsync();
        // Redirects are followed by hand: HttpClient drops the Authorization header on a redirect.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/dashboard")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("sre:wrong-password-123")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/dashboard")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("sre:correct-horse-battery")));
        var page = await http.GetAsync("/dashboard");
        for (var hops = 0; page.Headers.Location is { } next && hops < 3; hops++)
        {
            page = await http.GetAsync(next);
        }

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        await silo.StopAsync();

        var noPort = FreePort.Next();
        await using var plain = SiloApp.Build(SiloArgs());
        await plain.StartAsync();
        using var probe = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => probe.GetAsync($"http://127.0.0.1:{noPort}/dashboard"));
        await plain.StopAsync();

        var ex = Assert.Throws<InvalidOperationException>(() => SiloApp.Build(SiloArgs($"--Dashboard:Port={FreePort.Next()}")));
        Assert.Contains("Dashboard:Username", ex.Message, StringComparison.Ordinal);
    }
}
