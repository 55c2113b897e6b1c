using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CommunityScale.Gateway.Auth;

/// <summary>
/// A hub connection's request lives as long as the connection (a WebSocket, or server-sent events), and so does
/// everything it references: the authentication and authorization middlewares' own frames stay suspended under it, each
/// holding the services it resolved. Past authorization nothing reads them again (the connection keeps the principal;
/// hub calls resolve services in scopes of their own, and check a hub method's [Authorize] there), so
/// <see cref="UseHubRequestRelease"/> lets them go. One reader it would silence: SignalR's
/// <c>CloseOnAuthenticationExpiration</c> takes a connection's expiry from the authentication result, so with the result
/// gone a connection would never close for it. The gateway does not turn it on (a token is checked when the connection
/// opens; an API token's revocation is checked on every hub call, <c>ApiTokenHubFilter</c>). Measured
/// from heap dumps (docs/performance.md, "Against the goals of issue #5"), per connection:
/// <list type="bullet">
/// <item>the <c>Authorization</c> header, the raw token: ≈ 550 bytes (every hub request);</item>
/// <item>the authentication result (ticket, properties) and the request's service scope with the authentication and
/// authorization services resolved in it: ≈ 0.6 KB;</item>
/// <item>through the middlewares' frames, the handlers (the bearer handler with its cached result and ticket, the
/// policy scheme's) and the authorization service with its handler list: ≈ 1 KB. The frames hold these through the two
/// services below, which can let go of what they wrap.</item>
/// </list>
/// </summary>
public static class HubRequestRelease
{
    /// <summary>Replaces the handler provider and the policy evaluator by ones <see cref="UseHubRequestRelease"/> can empty.</summary>
    public static IServiceCollection AddReleasableRequestAuth(this IServiceCollection services)
    {
        services.AddAuthenticationCore();
        services.AddAuthorizationPolicyEvaluator();
        services.Replace(ServiceDescriptor.Scoped<IAuthenticationHandlerProvider, ReleasableHandlerProvider>());
        // Scoped, not transient as by default, so that the release reaches the instance the authorization middleware got.
        services.Replace(ServiceDescriptor.Scoped<IPolicyEvaluator, ReleasablePolicyEvaluator>());
        return services;
    }

    /// <summary>Middleware, after authorization and the API-token scope check: see the class.</summary>
    public static IApplicationBuilder UseHubRequestRelease(this IApplicationBuilder app, PathString hubs)
    {
        var scopes = app.ApplicationServices.GetRequiredService<IServiceScopeFactory>();
        return app.Use(next => http =>
        {
            if (!http.Request.Path.StartsWithSegments(hubs, StringComparison.Ordinal))
            {
                return next(http);
            }

            http.Request.Headers.Remove(Microsoft.Net.Http.Headers.HeaderNames.Authorization);
            if (!IsConnectionRequest(http.Request))
            {
                return next(http);
            }

            // Setting the user clears the authentication result it came with (one feature holds both).
            http.User = http.User;
            if (http.Features.Get<IServiceProvidersFeature>() is not RequestServicesFeature used)
            {
                return next(http);
            }

            (http.RequestServices.GetService<IAuthenticationHandlerProvider>() as ReleasableHandlerProvider)?.Release();
            (http.RequestServices.GetService<IPolicyEvaluator>() as ReleasablePolicyEvaluator)?.Release();
            // A fresh scope, made only if something asks for request services later; the old one is disposed now.
            http.Features.Set<IServiceProvidersFeature>(new RequestServicesFeature(http, scopes));
            var disposed = used.DisposeAsync();
            return disposed.IsCompletedSuccessfully ? next(http) : AfterDisposal(disposed, http, next);
        });

        // Not async above, so that this middleware keeps no frame of its own under the connection either.
        static async Task AfterDisposal(ValueTask disposed, HttpContext http, RequestDelegate next)
        {
            await disposed;
            await next(http);
        }
    }

    /// <summary>
    /// Whether the request opens a connection that lives as long as the request: a WebSocket (a GET upgrade, or CONNECT
    /// over HTTP/2) or server-sent events. Not long polling: each poll ends soon, and SignalR copies what the connection
    /// keeps from it; negotiation is an ordinary short request. Not <c>http.WebSockets.IsWebSocketRequest</c>: a hub's
    /// endpoint adds the WebSocket feature only after the middlewares that ask this.
    /// </summary>
    public static bool IsConnectionRequest(HttpRequest request) =>
        HttpMethods.IsConnect(request.Method)
        || (HttpMethods.IsGet(request.Method)
            && (request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase)
                || request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase)));

    /// <summary>ASP.NET Core's handler provider (one handler per scheme for the request), which can let go of its handlers.</summary>
    private sealed class ReleasableHandlerProvider(IAuthenticationSchemeProvider schemes) : IAuthenticationHandlerProvider
    {
        private AuthenticationHandlerProvider? _handlers;

        public Task<IAuthenticationHandler?> GetHandlerAsync(HttpContext context, string authenticationScheme) =>
            (_handlers ??= new AuthenticationHandlerProvider(schemes)).GetHandlerAsync(context, authenticationScheme);

        /// <summary>Forgets the handlers made so far; a later request for one makes it again.</summary>
        public void Release() => _handlers = null;
    }

    /// <summary>ASP.NET Core's policy evaluator, which can let go of the authorization service it evaluates with.</summary>
    private sealed class ReleasablePolicyEvaluator : IPolicyEvaluator
    {
        private PolicyEvaluator? _evaluator;

        public ReleasablePolicyEvaluator(IAuthorizationService authorization) => _evaluator = new PolicyEvaluator(authorization);

        public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context) => Evaluator.AuthenticateAsync(policy, context);

        public Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource) =>
            Evaluator.AuthorizeAsync(policy, authenticationResult, context, resource);

        public void Release() => _evaluator = null;

        private PolicyEvaluator Evaluator => _evaluator ?? throw new InvalidOperationException("This request's authorization has already been released: a hub connection's request is authorized once.");
    }
}
