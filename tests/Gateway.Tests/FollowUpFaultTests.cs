using System.Text.Json;
using CommunityScale.Gamification;
using CommunityScale.Integrations;
using CommunityScale.Notifications;
using CommunityScale.TestSupport;
using CommunityScale.Threads;
using Xunit.Abstractions;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// The outbox under a real crash: a forum reply's follow-ups (notices to every follower, the author's points, the
/// webhook) are stored with the reply, so the silo that acked it may die the next instant and they still arrive, once.
/// </summary>
[Trait("Area", "Cluster")]
public sealed class FollowUpFaultTests(ITestOutputHelper output)
{
    // More followers than one notice follow-up carries, so delivering them takes several steps after the ack.
    private const int Followers = 150;

    [Fact]
    public async Task A_silo_killed_right_after_acking_a_reply_still_delivers_its_notices_points_and_webhook_exactly_once()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var cluster = new ProcessCluster(new Dictionary<string, string?>
        {
            ["Clustering:Provider"] = "Redis",
            ["Storage:Provider"] = "Redis",
            ["Reminders:Provider"] = "Redis",
            ["Redis:ConnectionString"] = redis.ConnectionString,
            ["Orleans:Membership:ProbeTimeout"] = "00:00:01",
            ["Orleans:Membership:NumMissedProbesLimit"] = "2",
            ["Orleans:Membership:NumVotesForDeathDeclaration"] = "1",
            ["Orleans:Messaging:ResponseTimeout"] = "00:00:05",
            // The reminder that brings the thread back on the surviving silo: seconds here, a minute by default.
            ["Reminders:MinimumReminderPeriod"] = "00:00:01",
            ["FollowUps:ReminderPeriod"] = "00:00:02",
            ["Webhooks:AllowLoopback"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        });

        // Everything is set up on silo A alone, so the thread's activation lives there when the reply comes.
        var siloA = await cluster.StartSiloAsync("silo-a");
        var gateway = await cluster.StartGatewayAsync("gw");
        await using var owner = await TestUser.ConnectAsync(gateway.Url, "owner", connectHub: false);
        var community = $"o-{Guid.NewGuid():n}"[..16];
        (await owner.PostAsync("/api/communities", new { id = community, name = "Outbox" })).EnsureSuccessStatusCode();
        (await owner.PostAsync($"/api/communities/{community}/webhooks", new { url = receiver.HookUrl("forum"), events = new[] { WebhookEventKinds.PostCreated } }))
            .EnsureSuccessStatusCode();
        var forum = $"/api/communities/{community}";
        var thread = await Responses.Created<ThreadSummary>(await owner.PostAsync($"{forum}/threads", new { kind = "Question", title = "Who plays tonight?", body = "Line-ups, anyone?" }));

        var followers = new List<TestUser>();
        for (var i = 0; i < Followers; i++)
        {
            var follower = await TestUser.ConnectAsync(gateway.Url, $"fan-{i}", connectHub: false);
            (await follower.PostAsync($"/api/communities/{community}/members")).EnsureSuccessStatusCode();
            (await follower.Http.PutAsync(new Uri($"{forum}/threads/{thread.ThreadId}/follow", UriKind.Relative), null)).EnsureSuccessStatusCode();
            followers.Add(follower);
        }

        await using var replier = await TestUser.ConnectAsync(gateway.Url, "replier", connectHub: false);
        (await replier.PostAsync($"/api/communities/{community}/members")).EnsureSuccessStatusCode();
        var pointsBefore = (await replier.GetAsync<PointsProfile>($"/api/communities/{community}/members/replier/points")).Points;
        await cluster.StartSiloAsync("silo-b");

        var reply = await Responses.Created<ThreadPost>(await replier.PostAsync($"{forum}/threads/{thread.ThreadId}/posts",
            new { body = "The usual eleven, I hear.", clientPostId = "reply-1" }));
        await siloA.KillAsync();
        var killedAt = DateTime.UtcNow;

        // Silo B declares A dead, takes over its reminders, and the thread's outbox delivers from there. Until A is
        // declared dead, calls that reach for its grains time out: those polls count as "not yet".
        await Until(async () => (await Notified(followers, community, reply.PostId)).All(n => n >= 1), "every follower's notice");
        await Until(() => Task.FromResult(receiver.Delivered("forum").Count >= 1), "the post.created webhook");
        await Until(async () => (await replier.GetAsync<PointsProfile>($"/api/communities/{community}/members/replier/points")).Points > pointsBefore,
            "the reply's points");
        output.WriteLine($"every follow-up arrived {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after the kill");

        // Exactly once: one notice each, one event id (every arrival of it carries the post), the reply's 2 points once.
        Assert.All(await Notified(followers, community, reply.PostId), n => Assert.Equal(1, n));
        var events = receiver.All.Where(r => r.Status == 200).ToList();
        var only = Assert.Single(events.Select(e => e.EventId).Distinct());
        Assert.All(events, e => Assert.Equal(reply.PostId, JsonDocument.Parse(e.Body).RootElement.GetProperty("data").GetProperty("postId").GetString()));
        output.WriteLine($"webhook {only} arrived {events.Count} time(s)");
        Assert.Equal(pointsBefore + 2, (await replier.GetAsync<PointsProfile>($"/api/communities/{community}/members/replier/points")).Points);

        foreach (var follower in followers)
        {
            await follower.DisposeAsync();
        }
    }

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>How many notices about the post each follower holds.</summary>
    private static async Task<int[]> Notified(List<TestUser> followers, string community, string postId) =>
        await Task.WhenAll(followers.Select(async f =>
            (await f.GetAsync<NotificationPage>("/api/me/notifications?limit=50")).Items
                .Count(n => n.CommunityId == community && n.Kind == NotificationKinds.Reply && n.SourceId == $"post:{postId}")));
}
