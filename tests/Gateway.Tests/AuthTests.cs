using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using CommunityScale.Communities;
using CommunityScale.Gateway.Auth;
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

[Collection(SharedSystem.Name)]
[Trait("Area", "Chat")]
public sealed class AuthTests(SystemFixture fixture)
{
    private static string Token(string key, DateTime expires) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "communityscale",
        Audience = "communityscale",
        IssuedAt = expires.AddHours(-2),
        NotBefore = expires.AddHours(-2),
        Expires = expires,
        Claims = new Dictionary<string, object> { ["sub"] = "mallory", ["name"] = "Mallory" },
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
    });

    public static TheoryData<string, string?> BadTokens => new()
    {
        { "missing", null },
        { "forged", Token("another-key-that-is-long-enough-0123456789", DateTime.UtcNow.AddHours(1)) },
        { "expired", Token(ChatSystem.SigningKey, DateTime.UtcNow.AddMinutes(-5)) },
        { "garbage", "not.a.jwt" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Rest_and_hub_refuse_a_bad_token_with_401(string kind, string? token)
    {
        using var http = new HttpClient { BaseAddress = fixture.Url };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var rest = await http.PostAsJsonAsync("/api/communities", new { id = $"x-{kind}", name = "Nope" });
        Assert.Equal(HttpStatusCode.Unauthorized, rest.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"/api/communities/x-{kind}/channels")).StatusCode);

        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.Url, "/hubs/community"), o => o.AccessTokenProvider = () => Task.FromResult(token))
            .Build();
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => hub.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
    }

    [Fact]
    public async Task A_validated_token_leaves_a_connection_only_the_user_id_and_name()
    {
        // The gateway's own JwtBearer set-up, as the running gateway has it.
        var options = fixture.System.GatewayServices.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        Assert.False(options.SaveToken);

        // What JwtBearer validated: issuer, audience and times as claims, the parsed token behind the identity.
        var token = new JsonWebToken(Token(ChatSystem.SigningKey, DateTime.UtcNow.AddHours(1)));
        var validated = new ClaimsPrincipal(new CaseSensitiveClaimsIdentity(token.Claims, "Bearer", "name", "role") { BootstrapContext = token });
        Assert.True(validated.Claims.Count() > 2);
        var context = new TokenValidatedContext(new DefaultHttpContext(), new AuthenticationScheme(JwtBearerDefaults.AuthenticationScheme, null, typeof(JwtBearerHandler)), options)
        {
            Principal = validated,
            SecurityToken = token,
        };

        await options.Events.TokenValidated(context);

        var lean = context.Principal!;
        Assert.Equal([("sub", "mallory"), ("name", "Mallory")], lean.Claims.Select(c => (c.Type, c.Value)));
        var identity = Assert.IsType<ClaimsIdentity>(lean.Identity);
        Assert.Equal((true, "Mallory", JwtBearerDefaults.AuthenticationScheme), (identity.IsAuthenticated, identity.Name, identity.AuthenticationType));
        Assert.Equal(new Actor("mallory", "Mallory"), lean.ToActor());
    }

    [Theory]
    [InlineData("/hubs/community", false)]
    [InlineData("/hubs/community/negotiate", false)]
    [InlineData("/api/communities", true)]
    public async Task A_hub_request_forgets_its_authorization_header_past_authorization(string path, bool kept)
    {
        var app = new Microsoft.AspNetCore.Builder.ApplicationBuilder(new ServiceCollection().BuildServiceProvider());
        app.UseHubRequestRelease("/hubs");
        string? seen = null;
        app.Use(_ => http =>
        {
            seen = http.Request.Headers.Authorization.ToString();
            return Task.CompletedTask;
        });
        var http = new DefaultHttpContext();
        http.Request.Path = path;
        http.Request.Headers.Authorization = "Bearer a.b.c";

        await app.Build()(http);

        Assert.Equal(kept ? "Bearer a.b.c" : "", seen);
    }

    [Fact]
    public async Task A_dev_token_signs_in_and_names_the_user()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann-auth");
        var response = await ann.PostAsync("/api/communities", new { id = $"auth-{Guid.NewGuid():n}"[..20], name = "Mine" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<Communities.CommunityInfo>(TestUser.Json);
        Assert.Equal("ann-auth", body!.OwnerId);
    }

    [Theory]
    [InlineData("Bad Id", "Ann")]
    [InlineData("ann", "")]
    [InlineData(null, "Ann")]
    public async Task A_dev_token_request_with_bad_input_is_invalid(string? userId, string displayName)
    {
        using var http = new HttpClient { BaseAddress = fixture.Url };
        var response = await http.PostAsJsonAsync("/api/auth/dev-token", new { userId, displayName });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"code\":\"invalid\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_dev_tokens_off_the_endpoint_does_not_exist()
    {
        var (app, url) = await fixture.System.StartExtraGatewayAsync(new Dictionary<string, string?> { ["Auth:DevTokens"] = "false" });
        await using (app)
        {
            using var http = new HttpClient { BaseAddress = url };
            var response = await http.PostAsJsonAsync("/api/auth/dev-token", new { userId = "ann", displayName = "Ann" });
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Rotating_the_signing_key_keeps_old_tokens_valid_while_new_ones_use_the_new_key()
    {
        const string NewKey = "the-new-signing-key-after-rotation-0123456789";
        var oldToken = await TestUser.GetTokenAsync(fixture.Url, "rotating-ann");
        var (app, url) = await fixture.System.StartExtraGatewayAsync(new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = NewKey,
            ["Auth:PreviousSigningKeys:0"] = ChatSystem.SigningKey,
        });
        await using (app)
        {
            using var http = new HttpClient { BaseAddress = url };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", oldToken);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/communities/no-such-community")).StatusCode);

            var newToken = await TestUser.GetTokenAsync(url, "rotating-bob");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", newToken);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/communities/no-such-community")).StatusCode);

            // New tokens are signed with the new key: a gateway that only knows the old key refuses them.
            using var old = new HttpClient { BaseAddress = fixture.Url };
            old.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", newToken);
            Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/api/communities/no-such-community")).StatusCode);
            await app.StopAsync();
        }
    }
}
