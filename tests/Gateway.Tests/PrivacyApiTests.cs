using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CommunityScale.Chat;
using CommunityScale.Integrations;
using CommunityScale.Posting;
using CommunityScale.Privacy;
using CommunityScale.TestSupport;
using CommunityScale.Threads;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

/// <summary>Consent, export and erasure through the public API, as a member and an admin use them.</summary>
[Collection(SharedSystem.Name)]
[Trait("Area", "Privacy")]
public sealed class PrivacyApiTests(SystemFixture fixture)
{
    [Fact]
    public async Task A_member_consents_exports_and_erases_their_account_and_integrations_learn_of_the_erasure()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Behave("e", _ => Task.FromResult(200));
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        var (community, channel) = await SystemFixture.NewChannel(owner);
        var api = $"/api/communities/{community}";
        (await owner.PostAsync($"{api}/webhooks", new { url = receiver.HookUrl("e"), events = new[] { "member.erased" } })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.PutAsJsonAsync($"{api}/guidelines", new { text = "Be kind. No spam." })).StatusCode);

        var erinId = $"erin-{Guid.NewGuid():n}"[..20];
        await using var erin = await TestUser.ConnectAsync(fixture.Url, erinId);
        var guidelines = await erin.GetAsync<Guidelines>($"{api}/guidelines");
        Assert.Equal((1, "Be kind. No spam."), (guidelines.Version, guidelines.Text));
        var refused = await erin.PostAsync($"{api}/members");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("consent_required", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        (await erin.PostAsync($"{api}/members", new { guidelinesVersion = 1, marketing = true })).EnsureSuccessStatusCode();
        var consent = await erin.GetAsync<ConsentStatus>($"{api}/members/me/consent");
        Assert.Equal((1, true, false, 1), (consent.AcceptedVersion, consent.Marketing, consent.Required, consent.History.Count));

        // Erin chats, once with a file.
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent("Erin's line-up\n"u8.ToArray());
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", "lineup.txt");
        var upload = await Responses.Created<AttachmentInfo>(await erin.Http.PostAsync($"{api}/attachments", form));
        var withFile = await erin.Hub.InvokeAsync<SendAck>("SendMessageWithAttachments", community, channel, "My line-up", "m-file", new[] { upload.Id });
        var plain = await erin.Send(community, channel, "See you all tonight");
        var link = await erin.GetAsync<JsonElement>($"{api}/attachments/{upload.Id}/link");
        var fileUrl = link.GetProperty("url").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await erin.Http.GetAsync(fileUrl)).StatusCode);

        // Her export: the membership, consent and both messages; nobody else may ask for it.
        var mine = await erin.GetAsync<JsonElement>("/api/me/communities");
        Assert.Contains(mine.EnumerateArray(), c => c.GetProperty("community").GetProperty("id").GetString() == community);
        var export = await erin.GetAsync<JsonElement>("/api/me/export");
        var data = Assert.Single(export.GetProperty("communities").EnumerateArray());
        Assert.Equal(erinId, data.GetProperty("member").GetProperty("userId").GetString());
        Assert.Equal(1, data.GetProperty("consents").GetArrayLength());
        Assert.Equal([withFile.Seq, plain.Seq], data.GetProperty("activity").GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));
        Assert.Equal(HttpStatusCode.Forbidden, (await owner.Http.GetAsync($"{api}/members/{erinId}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await erin.Http.GetAsync($"{api}/members/{erinId}/export")).StatusCode);

        // The CRM feed carries her consent (its marks gather on the silo for up to Points:BoardDelay).
        MemberChange? mark = null;
        await Responses.Eventually(async () =>
        {
            mark = (await owner.GetAsync<MemberChangePage>($"{api}/members/changes")).Items.SingleOrDefault(c => c.UserId == erinId);
            return mark?.Member is { GuidelinesVersion: 1 };
        }, "Erin's consent in the CRM feed");
        Assert.Equal((1, true), (mark!.Member!.GuidelinesVersion, mark.Member.MarketingConsent));

        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.DeleteAsync($"{api}/members/nobody")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.DeleteAsync("/api/me")).StatusCode);
        var started = Assert.Single(await (await erin.Http.DeleteAsync("/api/me")).Read<List<ErasureStatus>>(HttpStatusCode.Accepted));
        // The erasure goes through the stores the export went through, in the same order.
        Assert.Equal(data.GetProperty("stores").EnumerateArray().Select(s => s.GetString()), started.Done.Concat(started.Remaining));
        await Responses.Eventually(async () => (await owner.Http.GetAsync($"{api}/members/{erinId}/erasure")).StatusCode == HttpStatusCode.NotFound,
            "the erasure to finish", TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.GetAsync($"{api}/members/{erinId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await erin.Http.GetAsync(fileUrl)).StatusCode);
        var history = await owner.GetAsync<HistoryPage>($"{api}/channels/{channel}/messages");
        Assert.All(history.Messages, m => Assert.Equal(("", Tombstones.Author, true), (m.AuthorId, m.AuthorName, m.Removed)));
        Assert.Equal([withFile.Seq, plain.Seq], history.Messages.Select(m => m.Seq));
        Assert.Empty((await erin.GetAsync<JsonElement>("/api/me/export")).GetProperty("communities").EnumerateArray());

        await Responses.Eventually(() => Task.FromResult(receiver.Delivered("e").Count > 0), "member.erased", TimeSpan.FromSeconds(30));
        var erased = Assert.Single(receiver.Delivered("e"));
        Assert.Equal("member.erased", erased.Kind);
        Assert.Equal(erinId, JsonDocument.Parse(erased.Body).RootElement.GetProperty("data").GetProperty("userId").GetString());
        await Responses.Eventually(async () => (await owner.GetAsync<MemberChangePage>($"{api}/members/changes")).Items
            .Any(c => c.UserId == erinId && c.Kind == "erased"), "the erasure in the CRM feed");
    }

    [Fact]
    public async Task The_export_holds_the_titles_of_the_threads_the_member_opened()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga", connectHub: false);
        await using var ann = await TestUser.ConnectAsync(fixture.Url, $"ann-{Guid.NewGuid():n}"[..20], connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, ann);
        var forum = $"/api/communities/{community}";
        var mine = await Responses.Created<ThreadSummary>(await ann.PostAsync($"{forum}/threads",
            new { kind = "Discussion", title = "Ann's away-day plan", body = "Bus at nine.", tags = new[] { "trips" } }));
        var olgas = await Responses.Created<ThreadSummary>(await owner.PostAsync($"{forum}/threads", new { kind = "Discussion", title = "Olga's topic", body = "Say hi." }));
        (await ann.PostAsync($"{forum}/threads/{olgas.ThreadId}/posts", new { body = "Hi!", clientPostId = "a1" })).EnsureSuccessStatusCode();

        var export = await ann.GetAsync<JsonElement>("/api/me/export");
        var activity = Assert.Single(export.GetProperty("communities").EnumerateArray()).GetProperty("activity");
        // Her reply in Olga's thread is a post of hers, not a thread she opened.
        var opened = Assert.Single(activity.GetProperty("threadsOpened").EnumerateArray());
        Assert.Equal((mine.ThreadId, "Ann's away-day plan", mine.CreatedAt, "trips"), (opened.GetProperty("threadId").GetString(),
            opened.GetProperty("title").GetString(), opened.GetProperty("createdAt").GetDateTimeOffset(), Assert.Single(opened.GetProperty("tags").EnumerateArray()).GetString()));
        Assert.Equal(2, activity.GetProperty("posts").GetArrayLength());
    }

    [Fact]
    public async Task Admins_erase_members_below_them_and_set_retention_members_may_do_neither()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, $"ann-{Guid.NewGuid():n}"[..20], connectHub: false);
        await using var bob = await TestUser.ConnectAsync(fixture.Url, $"bob-{Guid.NewGuid():n}"[..20], connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, ann, bob);
        var api = $"/api/communities/{community}";

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.PutAsJsonAsync($"{api}/retention", new { messageDays = 30 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PutAsJsonAsync($"{api}/retention", new { messageDays = -1 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.PutAsJsonAsync($"{api}/retention", new { messageDays = 30 })).StatusCode);
        Assert.Equal(30, (await ann.GetAsync<RetentionPolicy>($"{api}/retention")).MessageDays);

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.Http.DeleteAsync($"{api}/members/{bob.UserId}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.DeleteAsync($"{api}/members/olga")).StatusCode);
        var accepted = await owner.Http.DeleteAsync($"{api}/members/{bob.UserId}");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await Responses.Eventually(async () => (await owner.Http.GetAsync($"{api}/members/{bob.UserId}")).StatusCode == HttpStatusCode.NotFound,
            "bob's erasure", TimeSpan.FromSeconds(60));
        var audit = await owner.GetAsync<JsonElement>($"{api}/moderation/audit");
        Assert.Contains(audit.GetProperty("entries").EnumerateArray(), e => e.GetProperty("action").GetString() == "erase_member");
        Assert.DoesNotContain(bob.UserId, audit.GetRawText(), StringComparison.Ordinal);
    }
}
