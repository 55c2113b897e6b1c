using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CommunityScale.Errors;
using CommunityScale.Integrations;
using CommunityScale.Notifications;
using CommunityScale.TestSupport;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Integrations")]
public sealed class WebhookTests(SystemFixture fixture)
{
    [Fact]
    public async Task Deliveries_are_signed_in_order_retried_after_500s_and_timeouts_and_keep_their_event_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // The first event meets a 500, then a stall past the attempt timeout, then gets through on the third attempt.
        receiver.Behave("a", async attempt =>
        {
            if (attempt == 2)
            {
                await Task.Delay(TimeSpan.FromSeconds(1.5));
            }

            return attempt == 1 ? 500 : 200;
        });
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        var (community, channel) = await SystemFixture.NewChannel(owner);
        var created = await Responses.Created<WebhookSecret>(await owner.PostAsync($"/api/communities/{community}/webhooks",
            new { url = receiver.HookUrl("a"), events = new[] { "member.joined", "message.accepted" } }));
        Assert.StartsWith("whsec_", created.Secret, StringComparison.Ordinal);

        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        (await ann.PostAsync($"/api/communities/{community}/members")).EnsureSuccessStatusCode();
        for (var i = 1; i <= 3; i++)
        {
            await ann.Send(community, channel, $"goal {i}");
        }

        await Responses.Eventually(() => Task.FromResult(receiver.Delivered("a").Select(r => r.EventId).Distinct().Count() >= 4), "four events delivered", TimeSpan.FromSeconds(30));
        var delivered = receiver.Delivered("a");
        Assert.All(receiver.All, r => Assert.True(WebhookSigning.Verify(r.Signature, r.Timestamp, r.Body, created.Secret, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)), "signature"));
        Assert.Equal(["member.joined", "message.accepted", "message.accepted", "message.accepted"], delivered.Select(r => r.Kind));
        Assert.Equal([1L, 2L, 3L], delivered.Skip(1).Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("seq").GetInt64()));
        var first = receiver.All.Where(r => r.EventId == delivered[0].EventId).ToList();
        Assert.Equal([1, 2, 3], first.Select(r => r.Attempt).Order());
        Assert.Equal("ann", JsonDocument.Parse(delivered[0].Body).RootElement.GetProperty("data").GetProperty("userId").GetString());

        var rotated = await Responses.Read<WebhookSecret>(await owner.PostAsync($"/api/communities/{community}/webhooks/{created.Endpoint.Id}/rotate-secret"));
        Assert.NotNull(rotated.Endpoint.PreviousSecretValidUntil);
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob", connectHub: false);
        (await bob.PostAsync($"/api/communities/{community}/members")).EnsureSuccessStatusCode();
        await Responses.Eventually(() => Task.FromResult(receiver.Delivered("a").Count >= 5), "the delivery after rotation", TimeSpan.FromSeconds(30));
        var afterRotation = receiver.Delivered("a")[^1];
        Assert.True(WebhookSigning.Verify(afterRotation.Signature, afterRotation.Timestamp, afterRotation.Body, rotated.Secret, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.True(WebhookSigning.Verify(afterRotation.Signature, afterRotation.Timestamp, afterRotation.Body, created.Secret, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSigning.Verify(afterRotation.Signature, afterRotation.Timestamp, afterRotation.Body + " ", rotated.Secret, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task Failing_deliveries_are_dead_lettered_the_endpoint_disabled_and_admins_replay_them_in_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var down = true;
        receiver.Behave("b", _ => Task.FromResult(down ? 500 : 200));
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        var (community, _) = await SystemFixture.NewChannel(owner);
        await owner.WatchCommunity(community);
        var hooks = $"/api/communities/{community}/webhooks";
        var endpoint = (await Responses.Created<WebhookSecret>(await owner.PostAsync(hooks, new { url = receiver.HookUrl("b"), events = new[] { "member.joined" } }))).Endpoint;

        var members = new[] { "m1", "m2", "m3" };
        foreach (var id in members)
        {
            await using var member = await TestUser.ConnectAsync(fixture.Url, $"{id}-{community}"[..20], connectHub: false);
            (await member.PostAsync($"/api/communities/{community}/members")).EnsureSuccessStatusCode();
        }

        await owner.WaitUntil(u => u.Notifications.Any(n => n.Kind == NotificationKinds.WebhookDisabled && n.CommunityId == community), TimeSpan.FromSeconds(30), "the endpoint disabled notice");
        var dead = await owner.GetAsync<List<DeadLetter>>($"{hooks}/{endpoint.Id}/dead-letters");
        Assert.Equal(3, dead.Count);
        Assert.All(dead, d => Assert.Equal((3, true), (d.Attempts, d.Error.Contains("HTTP 500", StringComparison.Ordinal))));
        var listed = Assert.Single(await owner.GetAsync<List<WebhookEndpointInfo>>(hooks));
        Assert.False(listed.Enabled);
        Assert.Empty(receiver.Delivered("b"));

        down = false;
        Assert.True((await Responses.Read<WebhookEndpointInfo>(await owner.Http.PutAsJsonAsync($"{hooks}/{endpoint.Id}/enabled", new { enabled = true }))).Enabled);
        Assert.Equal(3, (await Responses.Read<ReplayView>(await owner.PostAsync($"{hooks}/{endpoint.Id}/dead-letters/replay"))).Replayed);
        await Responses.Eventually(() => Task.FromResult(receiver.Delivered("b").Count == 3), "the replayed events", TimeSpan.FromSeconds(30));
        Assert.Equal(dead.Select(d => d.Event.Id), receiver.Delivered("b").Select(r => r.EventId));
        Assert.Empty(await owner.GetAsync<List<DeadLetter>>($"{hooks}/{endpoint.Id}/dead-letters"));
    }

    [Fact]
    public async Task Registration_refuses_internal_addresses_plain_http_unknown_events_and_non_admins()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga", connectHub: false);
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann", connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, ann);
        var hooks = $"/api/communities/{community}/webhooks";

        foreach (var url in new[] { "https://10.0.0.5/hook", "https://169.254.169.254/latest/meta-data", "https://192.168.1.20/x", "http://hooks.example.com/x",
            "https://user:pw@hooks.example.com/x", "https://intranet/hook", "ftp://hooks.example.com", "not a url" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsync(hooks, new { url, events = new[] { "member.joined" } })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsync(hooks, new { url = "https://hooks.example.com/x", events = new[] { "member.teleported" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.PostAsync(hooks, new { url = "https://hooks.example.com/x", events = new[] { "member.joined" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.GetAsync(hooks)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsync(hooks, new { url = "https://hooks.example.com/x", events = new[] { "member.joined" } })).StatusCode);
    }

    [Fact]
    public async Task Event_rsvps_and_check_ins_reach_a_subscribed_endpoint()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga", connectHub: false);
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann", connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, ann);
        await Responses.Created<WebhookSecret>(await owner.PostAsync($"/api/communities/{community}/webhooks",
            new { url = receiver.HookUrl("e"), events = new[] { "event.rsvp", "event.checkin" } }));
        var now = DateTimeOffset.UtcNow;
        await Responses.Created<Events.CommunityEvent>(await owner.PostAsync($"/api/communities/{community}/events",
            new { id = "meetup", title = "Meetup", startsAt = now.AddHours(-1), endsAt = now.AddHours(1), capacity = 10, sessions = Array.Empty<object>() }));
        (await ann.Http.PutAsync($"/api/communities/{community}/events/meetup/rsvp", null)).EnsureSuccessStatusCode();
        (await ann.PostAsync($"/api/communities/{community}/events/meetup/checkin")).EnsureSuccessStatusCode();

        await Responses.Eventually(() => Task.FromResult(receiver.Delivered("e").Count >= 2), "the RSVP and check-in deliveries", TimeSpan.FromSeconds(30));
        Assert.Equal(["event.rsvp", "event.checkin"], receiver.Delivered("e").Select(r => r.Kind));
        var data = JsonDocument.Parse(receiver.Delivered("e")[0].Body).RootElement.GetProperty("data");
        Assert.Equal(("ann", "Going"), (data.GetProperty("userId").GetString(), data.GetProperty("rsvp").GetProperty("status").GetString()));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("https://[::ffff:10.1.2.3]/hook")]
    [InlineData("https://100.64.0.1/hook")]
    [InlineData("https://[fd00::1]/hook")]
    public void Outside_development_loopback_and_private_targets_are_refused(string url) =>
        Assert.Equal(ErrorCodes.Invalid, Assert.Throws<CommunityException>(() => WebhookTargets.RequireUrl(url, allowLoopback: false)).Code);

    [Fact]
    public void Public_https_targets_pass_and_resolved_addresses_are_judged_at_connect_time()
    {
        Assert.Equal("https://hooks.example.com/x?y=1", WebhookTargets.RequireUrl("https://hooks.example.com/x?y=1", allowLoopback: false).AbsoluteUri);
        Assert.True(WebhookTargets.IsForbidden(IPAddress.Parse("::ffff:192.168.0.1")));
        Assert.True(WebhookTargets.IsForbidden(IPAddress.Parse("0.0.0.0")));
        Assert.False(WebhookTargets.IsForbidden(IPAddress.Parse("93.184.216.34")));
        Assert.False(WebhookTargets.IsForbidden(IPAddress.Parse("2606:2800:220:1::1")));
    }

    private sealed record ReplayView(int Replayed);
}
