using CommunityScale.Gateway.Auth;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// What a hub connection's request lets go of once authorized (issue 25, memory per connection), through the gateway's
/// own services and authentication: the result and ticket, the request's service scope, and the handlers the
/// authentication middleware's frame would otherwise keep for the connection's lifetime.
/// </summary>
[Collection(SharedSystem.Name)]
[Trait("Area", "ScaleOut")]
public sealed class HubRequestReleaseTests(SystemFixture fixture)
{
    private sealed record Seen(
        string? UserId,
        AuthenticateResult? Result,
        IServiceProvider? Services,
        IServiceProvider? ScopeBefore,
        IAuthenticationHandler? HandlerBefore,
        IAuthenticationHandler? HandlerAfter);

    private async Task<Seen> Through(string method, string path)
    {
        var services = fixture.System.GatewayServices;
        var token = services.GetRequiredService<TokenIssuer>().Issue("rita-release", "Rita");
        var app = new ApplicationBuilder(services);
        app.UseAuthentication();
        IServiceProvider? scope = null;
        IAuthenticationHandlerProvider? handlers = null;
        IAuthenticationHandler? before = null;
        app.Use(next => async http =>
        {
            scope = http.RequestServices;
            handlers = scope.GetRequiredService<IAuthenticationHandlerProvider>();
            before = await handlers.GetHandlerAsync(http, Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerDefaults.AuthenticationScheme);
            await next(http);
        });
        app.UseHubRequestRelease("/hubs");
        Seen? seen = null;
        app.Run(async http => seen = new Seen(
            http.User.FindFirst(AuthSetup.UserIdClaim)?.Value,
            http.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult,
            http.RequestServices,
            scope,
            before,
            await handlers!.GetHandlerAsync(http, Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerDefaults.AuthenticationScheme)));

        var context = new DefaultHttpContext();
        context.Features.Set<IServiceProvidersFeature>(new RequestServicesFeature(context, services.GetRequiredService<IServiceScopeFactory>()));
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.Headers.Authorization = $"Bearer {token}";
        await app.Build()(context).WaitAsync(TimeSpan.FromSeconds(30));
        return seen!;
    }

    [Fact]
    public async Task A_connections_request_keeps_its_user_and_lets_go_of_authentication()
    {
        var seen = await Through("GET", "/hubs/community");

        Assert.Equal("rita-release", seen.UserId);
        Assert.Null(seen.Result);
        // The scope authentication resolved its services in is disposed; anything asking later gets a fresh one.
        Assert.Throws<ObjectDisposedException>(() => seen.ScopeBefore!.GetService<IAuthenticationHandlerProvider>());
        Assert.NotNull(seen.Services);
        Assert.NotSame(seen.ScopeBefore, seen.Services);
        Assert.NotNull(seen.Services!.GetService<IAuthenticationHandlerProvider>());
        // The handler provider the authentication middleware holds no longer holds the handler it made.
        Assert.NotNull(seen.HandlerBefore);
        Assert.NotSame(seen.HandlerBefore, seen.HandlerAfter);
    }

    [Theory]
    [InlineData("POST", "/hubs/community/negotiate")]
    [InlineData("GET", "/api/communities")]
    public async Task Other_requests_keep_what_they_authenticated_with(string method, string path)
    {
        var seen = await Through(method, path);

        Assert.Equal("rita-release", seen.UserId);
        Assert.NotNull(seen.Result);
        Assert.Same(seen.ScopeBefore, seen.Services);
        Assert.Same(seen.HandlerBefore, seen.HandlerAfter);
    }
}
