using CommunityScale.Gateway.Auth;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// What a hub connection's request lets go of once authorized (issue 25, memory per connection), through the gateway's
/// own services, authentication and authorization: the result and ticket, the request's service scope, and the handlers
/// and evaluator the middlewares' frames would otherwise keep for the connection's lifetime.
/// </summary>
[Collection(SharedSystem.Name)]
[Trait("Area", "ScaleOut")]
public sealed class HubRequestReleaseTests(SystemFixture fixture)
{
    private sealed record Seen(
        string? UserId,
        AuthenticateResult? Result,
        IServiceProvider? Services,
        IServiceProvider ScopeBefore,
        IAuthenticationHandler? HandlerBefore,
        IAuthenticationHandler? HandlerAfter,
        IPolicyEvaluator Evaluator);

    private async Task<Seen> Through(string method, string path, string? upgrade = null, string? accept = null)
    {
        var services = fixture.System.GatewayServices;
        var token = services.GetRequiredService<TokenIssuer>().Issue("rita-release", "Rita");
        var app = new ApplicationBuilder(services);
        app.UseAuthentication();
        app.UseAuthorization();
        IServiceProvider? scope = null;
        IAuthenticationHandlerProvider? handlers = null;
        IAuthenticationHandler? before = null;
        IPolicyEvaluator? evaluator = null;
        app.Use(next => async http =>
        {
            scope = http.RequestServices;
            handlers = scope.GetRequiredService<IAuthenticationHandlerProvider>();
            // Scoped: the instance the authorization middleware evaluated the hub's [Authorize] with.
            evaluator = scope.GetRequiredService<IPolicyEvaluator>();
            before = await handlers.GetHandlerAsync(http, JwtBearerDefaults.AuthenticationScheme);
            await next(http);
        });
        app.UseHubRequestRelease("/hubs");
        Seen? seen = null;
        app.Run(async http => seen = new Seen(
            http.User.FindFirst(AuthSetup.UserIdClaim)?.Value,
            http.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult,
            http.RequestServices,
            scope!,
            before,
            await handlers!.GetHandlerAsync(http, JwtBearerDefaults.AuthenticationScheme),
            evaluator!));

        var context = new DefaultHttpContext();
        context.Features.Set<IServiceProvidersFeature>(new RequestServicesFeature(context, services.GetRequiredService<IServiceScopeFactory>()));
        context.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(new AuthorizeAttribute()), "hub"));
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.Headers.Authorization = $"Bearer {token}";
        if (upgrade is not null)
        {
            context.Request.Headers.Upgrade = upgrade;
        }

        if (accept is not null)
        {
            context.Request.Headers.Accept = accept;
        }

        await app.Build()(context).WaitAsync(TimeSpan.FromSeconds(30));
        return seen!;
    }

    [Theory]
    [InlineData("GET", "websocket", null)]
    [InlineData("CONNECT", null, null)]
    [InlineData("GET", null, "text/event-stream")]
    public async Task A_connections_request_keeps_its_user_and_lets_go_of_authentication(string method, string? upgrade, string? accept)
    {
        var seen = await Through(method, "/hubs/community", upgrade, accept);

        Assert.Equal("rita-release", seen.UserId);
        Assert.Null(seen.Result);
        // The scope authentication resolved its services in is disposed; anything asking later gets a fresh one.
        Assert.Throws<ObjectDisposedException>(() => seen.ScopeBefore.GetService<IAuthenticationHandlerProvider>());
        Assert.NotNull(seen.Services);
        Assert.NotSame(seen.ScopeBefore, seen.Services);
        Assert.NotNull(seen.Services!.GetService<IAuthenticationHandlerProvider>());
        // The handler provider the authentication middleware holds no longer holds the handler it made, and the evaluator
        // the authorization middleware holds no longer holds the authorization service.
        Assert.NotNull(seen.HandlerBefore);
        Assert.NotSame(seen.HandlerBefore, seen.HandlerAfter);
        await Assert.ThrowsAsync<InvalidOperationException>(() => seen.Evaluator.AuthenticateAsync(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build(), new DefaultHttpContext()));
    }

    [Theory]
    [InlineData("POST", "/hubs/community/negotiate")]
    [InlineData("GET", "/hubs/community")]
    [InlineData("GET", "/api/communities")]
    public async Task Other_requests_keep_what_they_authenticated_with(string method, string path)
    {
        // A GET under /hubs without an upgrade or an event stream is a long poll: it ends soon, and keeps everything.
        var seen = await Through(method, path);

        Assert.Equal("rita-release", seen.UserId);
        Assert.NotNull(seen.Result);
        Assert.Same(seen.ScopeBefore, seen.Services);
        Assert.Same(seen.HandlerBefore, seen.HandlerAfter);
    }
}
