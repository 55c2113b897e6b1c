using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Gateway.Auth;
using CommunityScale.Posting;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// Sign-in through the organisation's OpenID Connect provider (<c>Auth:Authority</c>): a loopback provider serves
/// discovery and a JWKS and signs tokens; a second gateway on the shared silo accepts them.
/// </summary>
[Collection(SharedSystem.Name)]
[Trait("Area", "Roles")]
public sealed class ProviderSignInTests(SystemFixture fixture)
{
    private static HttpClient Client(Uri gateway, string? token)
    {
        var http = new HttpClient { BaseAddress = gateway };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    private static HubConnection Hub(Uri gateway, string token) => new HubConnectionBuilder()
        .WithUrl(new Uri(gateway, "/hubs/community"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
        .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
        .Build();

    private static async Task<HttpStatusCode> MeStatus(Uri gateway, string token)
    {
        using var http = Client(gateway, token);
        return (await http.GetAsync("/api/auth/me")).StatusCode;
    }

    private static async Task<Actor?> Me(Uri gateway, string token)
    {
        using var http = Client(gateway, token);
        return await http.GetFromJsonAsync<Actor>("/api/auth/me", TestUser.Json);
    }

    private static Dictionary<string, object> Named(string name) => new() { ["name"] = name };

    [Fact]
    public async Task A_provider_token_signs_in_on_rest_and_hub_as_its_subject()
    {
        var gateway = await fixture.ProviderGatewayAsync();
        var subject = Guid.NewGuid().ToString(); // Keycloak's sub, Entra ID's oid: a GUID
        var token = gateway.Provider.Token(subject, Named("Karla Keycloak"));

        Assert.Equal(new Actor(subject, "Karla Keycloak"), await Me(gateway.Url, token));
        using var http = Client(gateway.Url, token);
        var community = $"p-{Guid.NewGuid():n}"[..20];
        var created = await http.PostAsJsonAsync("/api/communities", new { id = community, name = "Provider fans" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(subject, (await created.Content.ReadFromJsonAsync<CommunityInfo>(TestUser.Json))!.OwnerId);
        (await http.PostAsJsonAsync($"/api/communities/{community}/channels", new { id = "live", name = "Live" })).EnsureSuccessStatusCode();

        await using var hub = Hub(gateway.Url, token);
        await hub.StartAsync();
        await hub.InvokeAsync<JoinResult>("JoinChannel", community, "live", null);
        var ack = await hub.InvokeAsync<SendAck>("SendMessage", community, "live", "Hallo from the provider", "m-1");

        var history = await http.GetFromJsonAsync<HistoryPage>($"/api/communities/{community}/channels/live/messages", TestUser.Json);
        var message = Assert.Single(history!.Messages);
        Assert.Equal((ack.Seq, subject, "Karla Keycloak"), (message.Seq, message.AuthorId, message.AuthorName));
    }

    [Fact]
    public async Task After_the_provider_rotates_its_key_tokens_signed_with_the_new_key_are_accepted()
    {
        var gateway = await fixture.ProviderGatewayAsync();
        var provider = gateway.Provider;
        var before = provider.Token("rotation-ann", Named("Ann"));
        Assert.Equal(HttpStatusCode.OK, await MeStatus(gateway.Url, before));

        // Rollover: the provider publishes a new key beside the old one and signs with it. The gateway has never seen
        // the new key id, so JwtBearer fetches the metadata again (at most once per Auth:RefreshInterval, 1 s here;
        // the fetch runs in the background, so the first request with the new key may still be refused).
        var fetched = provider.JwksRequests;
        provider.RotateKey(keepOld: true);
        var rolled = provider.Token("rotation-bob", Named("Bob"));
        await Responses.Eventually(async () => await MeStatus(gateway.Url, rolled) == HttpStatusCode.OK, "a token signed with the new key is accepted");
        Assert.True(provider.JwksRequests > fetched, "the gateway fetched the JWKS again");
        Assert.Equal(HttpStatusCode.OK, await MeStatus(gateway.Url, before));

        // Then the provider retires the old keys and signs with yet another, which is accepted, on REST and the hub.
        provider.RotateKey(keepOld: false);
        var latest = provider.Token("rotation-cleo", Named("Cleo"));
        await Responses.Eventually(async () => await MeStatus(gateway.Url, latest) == HttpStatusCode.OK, "a token signed with the newest key is accepted");
        await using (var hub = Hub(gateway.Url, latest))
        {
            await hub.StartAsync();
            Assert.Equal(HubConnectionState.Connected, hub.State);
        }

        // A running gateway still honours the retired keys for a while: IdentityModel falls back to the metadata it
        // last validated with (last-known-good, one hour). A gateway started now knows only the published key.
        Assert.Equal(HttpStatusCode.OK, await MeStatus(gateway.Url, rolled));
        var (fresh, freshUrl) = await fixture.System.StartExtraGatewayAsync(SystemFixture.ProviderSettings(provider));
        await using (fresh)
        {
            Assert.Equal(HttpStatusCode.OK, await MeStatus(freshUrl, latest));
            Assert.Equal(HttpStatusCode.Unauthorized, await MeStatus(freshUrl, rolled));
            Assert.Equal(HttpStatusCode.Unauthorized, await MeStatus(freshUrl, before));
            await fresh.StopAsync();
        }
    }

    public static TheoryData<string> Refused => new()
    {
        "foreign-issuer", "foreign-key", "wrong-audience", "expired", "claims-our-issuer",
        "no-user-claim", "empty-user-claim", "upper-case", "auth0-style", "too-long", "path", "bot", "whitespace",
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Foreign_misdirected_and_unusable_tokens_are_refused_with_401(string kind)
    {
        var gateway = await fixture.ProviderGatewayAsync();
        var p = gateway.Provider;
        var name = Named("Mallory");
        var token = kind switch
        {
            // Signed with the provider's own key, but naming another issuer.
            "foreign-issuer" => p.Token("mallory", name, issuer: "https://login.example.com/another-tenant/v2.0"),
            "foreign-key" => p.Token("mallory", name, key: p.UnpublishedKey()),
            "wrong-audience" => p.Token("mallory", name, audience: "api://another-service"),
            "expired" => p.Token("mallory", name, expires: DateTime.UtcNow.AddMinutes(-5)),
            // Naming the gateway's own issuer sends it to the HMAC scheme, where the provider's key means nothing.
            "claims-our-issuer" => p.Token("mallory", name, issuer: "communityscale"),
            "no-user-claim" => p.Token(null, name),
            "empty-user-claim" => p.Token("", name),
            "upper-case" => p.Token("Mallory", name),
            "auth0-style" => p.Token("auth0|65f0c0ffee", name),
            "too-long" => p.Token(new string('m', 65), name),
            "path" => p.Token("../mallory", name),
            "bot" => p.Token("bot-mallory", name),
            "whitespace" => p.Token("mallory ", name),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        using var http = Client(gateway.Url, token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/api/communities", new { id = $"x-{kind}", name = "Nope" })).StatusCode);
        await using var hub = Hub(gateway.Url, token);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => hub.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
    }

    [Fact]
    public async Task The_display_name_falls_back_to_preferred_username_then_the_user_id_never_the_email()
    {
        var gateway = await fixture.ProviderGatewayAsync();
        var p = gateway.Provider;
        var cases = new (Dictionary<string, object> Claims, string Expected)[]
        {
            (new() { ["name"] = "  Ann Example  ", ["preferred_username"] = "ann" }, "Ann Example"),
            (new() { ["preferred_username"] = "ann@example.org" }, "ann@example.org"),
            (new() { ["name"] = new string('A', 101), ["preferred_username"] = "ann" }, "ann"),
            (new() { ["name"] = "Ann\u0007", ["email"] = "ann@example.org" }, "fallback-ann"),
            (new() { ["email"] = "ann@example.org" }, "fallback-ann"),
        };
        foreach (var (claims, expected) in cases)
        {
            Assert.Equal(new Actor("fallback-ann", expected), await Me(gateway.Url, p.Token("fallback-ann", claims)));
        }
    }

    [Fact]
    public async Task Hashed_user_ids_take_any_subject_and_keep_case_distinct_subjects_apart()
    {
        var shared = await fixture.ProviderGatewayAsync();
        var (app, url) = await fixture.System.StartExtraGatewayAsync(new Dictionary<string, string?>(SystemFixture.ProviderSettings(shared.Provider))
        {
            ["Auth:UserIds"] = "Hashed",
        });
        await using (app)
        {
            var p = shared.Provider;
            var auth0 = await Me(url, p.Token("auth0|65f0c0ffee", Named("Ann")));
            Assert.Equal(new Actor(ProviderClaims.Hashed(p.Issuer, "auth0|65f0c0ffee"), "Ann"), auth0);
            Assert.Matches("^u-[0-9a-f]{32}$", auth0!.UserId);

            // Entra ID's sub is case-sensitive base64url: lower-casing would make two accounts one.
            var upper = await Me(url, p.Token("AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", Named("Upper")));
            var lower = await Me(url, p.Token("aaaaaaaaaaaaaaaaaaaaaikzqfvrsasafhy782bbtaq", Named("Lower")));
            Assert.NotEqual(upper!.UserId, lower!.UserId);

            // A hashed id is an ordinary user id: it owns what it creates.
            using var http = Client(url, p.Token("auth0|65f0c0ffee", Named("Ann")));
            var created = await http.PostAsJsonAsync("/api/communities", new { id = $"h-{Guid.NewGuid():n}"[..20], name = "Hashed" });
            Assert.Equal(auth0.UserId, (await created.Content.ReadFromJsonAsync<CommunityInfo>(TestUser.Json))!.OwnerId);
            Assert.Equal(HttpStatusCode.Unauthorized, await MeStatus(url, p.Token(null, Named("Nobody"))));
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task The_gateways_own_tokens_keep_working_beside_the_providers()
    {
        var gateway = await fixture.ProviderGatewayAsync();
        var token = await TestUser.GetTokenAsync(gateway.Url, "dev-beside-provider", "Dev");
        Assert.Equal(new Actor("dev-beside-provider", "Dev"), await Me(gateway.Url, token));
        await using var hub = Hub(gateway.Url, token);
        await hub.StartAsync();

        // Its audience is this gateway's Auth:Audience: a token minted for another audience is refused.
        var elsewhere = await TestUser.GetTokenAsync(fixture.Url, "dev-elsewhere");
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatus(gateway.Url, elsewhere));
    }

    [Fact]
    public async Task The_sign_in_config_names_the_provider_only_where_one_is_configured()
    {
        var gateway = await fixture.ProviderGatewayAsync();
        using var http = new HttpClient();
        var config = await http.GetFromJsonAsync<JsonElement>(new Uri(gateway.Url, "/api/auth/config"));
        Assert.True(config.GetProperty("devTokens").GetBoolean());
        var provider = config.GetProperty("provider");
        Assert.Equal(
            (gateway.Provider.Issuer, gateway.Provider.ClientId, "openid profile email"),
            (provider.GetProperty("authority").GetString(), provider.GetProperty("clientId").GetString(), provider.GetProperty("scopes").GetString()));
        Assert.DoesNotContain("signingKey", config.GetRawText(), StringComparison.OrdinalIgnoreCase);

        var plain = await http.GetFromJsonAsync<JsonElement>(new Uri(fixture.Url, "/api/auth/config"));
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("provider").ValueKind);
    }

    [Fact]
    public async Task A_validated_provider_token_leaves_only_the_mapped_user_id_and_name()
    {
        var gateway = await fixture.ProviderGatewayAsync();
        var options = gateway.App.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(AuthSetup.ProviderScheme);
        Assert.False(options.SaveToken);
        Assert.True(options.RefreshOnIssuerKeyNotFound);
        Assert.Equal(TimeSpan.FromSeconds(1), options.RefreshInterval);

        var token = new JsonWebToken(gateway.Provider.Token("lean-ann", new Dictionary<string, object>
        {
            ["name"] = "Ann", ["email"] = "ann@example.org", ["roles"] = "admin", ["oid"] = Guid.NewGuid().ToString(),
        }));
        var validated = new ClaimsPrincipal(new CaseSensitiveClaimsIdentity(token.Claims, "Bearer", "name", "role") { BootstrapContext = token });
        var context = new TokenValidatedContext(new DefaultHttpContext { RequestServices = gateway.App.Services },
            new AuthenticationScheme(AuthSetup.ProviderScheme, null, typeof(JwtBearerHandler)), options)
        {
            Principal = validated,
            SecurityToken = token,
        };

        await options.Events.TokenValidated(context);

        Assert.Null(context.Result);
        Assert.Equal([("sub", "lean-ann"), ("name", "Ann")], context.Principal!.Claims.Select(c => (c.Type, c.Value)));
        Assert.Equal(AuthSetup.ProviderScheme, context.Principal.Identity!.AuthenticationType);
    }

    [Theory]
    [InlineData("http://idp.example.org", null, null, "https")]
    [InlineData("idp.example.org", "false", null, "absolute")]
    [InlineData("https://idp.example.org", null, "communityscale-web", null)]
    [InlineData("communityscale", "false", null, "differ")]
    [InlineData(null, null, "communityscale-web", "needs Auth:Authority")]
    public void Provider_settings_are_checked_at_start_up(string? authority, string? requireHttps, string? clientId, string? error)
    {
        var options = new AuthOptions
        {
            SigningKey = ChatSystem.SigningKey,
            Authority = authority,
            RequireHttpsMetadata = requireHttps is null || bool.Parse(requireHttps),
            ClientId = clientId,
        };
        if (authority == "communityscale")
        {
            options.Authority = options.Issuer = "http://127.0.0.1:5099";
        }

        var results = new List<ValidationResult>();
        var valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        if (error is null)
        {
            Assert.True(valid, string.Join("; ", results.Select(r => r.ErrorMessage)));
        }
        else
        {
            Assert.Contains(results, r => r.ErrorMessage!.Contains(error, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_gateway_with_an_http_authority_does_not_start()
    {
        // The options are validated when the app is composed (the endpoints read them), before it listens.
        var ex = Assert.Throws<OptionsValidationException>(() => Hosting.GatewayApp.Build(
            [$"--Auth:SigningKey={ChatSystem.SigningKey}", "--Auth:Authority=http://idp.example.org/realms/fans", "--urls=http://127.0.0.1:0"]));
        Assert.Contains("Auth:Authority must be https", ex.Message, StringComparison.Ordinal);
    }
}
