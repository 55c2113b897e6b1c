using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CommunityScale.Chat;
using CommunityScale.Gateway.Attachments;
using CommunityScale.Posting;
using CommunityScale.TestSupport;
using CommunityScale.Threads;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Threads")]
public sealed class AttachmentTests(SystemFixture fixture)
{
    internal static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4];
    private static readonly byte[] Executable = [0x4D, 0x5A, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF];

    [Theory]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1 }, "image/png")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1 }, "image/jpeg")]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1 }, "image/gif")]
    [InlineData(new byte[] { 0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x45, 0x42, 0x50, 1 }, "image/webp")]
    [InlineData(new byte[] { 0x25, 0x50, 0x44, 0x46, 0x2D, 0x31 }, "application/pdf")]
    [InlineData(new byte[] { 0x48, 0x69, 0x0A, 0xC3, 0xA4 }, "text/plain")]
    [InlineData(new byte[] { 0x4D, 0x5A, 0x90, 0x00, 0x03 }, null)]
    [InlineData(new byte[] { 0x48, 0x69, 0xC3 }, null)]
    [InlineData(new byte[] { 0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x41, 0x56, 0x49, 0x20 }, null)]
    public void File_types_are_judged_from_the_bytes(byte[] bytes, string? expected) => Assert.Equal(expected, FileSignatures.Detect(bytes));

    [Fact]
    public async Task Members_attach_files_to_posts_and_messages_and_only_readers_get_short_lived_links()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob", connectHub: false);
        await using var stranger = await TestUser.ConnectAsync(fixture.Url, "stranger", connectHub: false);
        var (community, channel) = await SystemFixture.NewChannel(owner, ann, bob);
        var forum = $"/api/communities/{community}";

        Assert.Equal(HttpStatusCode.BadRequest, (await Upload(ann, community, Executable, "holiday.png")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Upload(stranger, community, Png, "me.png")).StatusCode);
        var photo = await Responses.Created<AttachmentInfo>(await Upload(ann, community, Png, "../../etc/stadium.png"));
        Assert.Equal(("image/png", 20L, "stadium.png"), (photo.ContentType, photo.Size, photo.FileName));

        // Not on a post yet: only the uploader may fetch it.
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Http.GetAsync($"{forum}/attachments/{photo.Id}/link")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ann.Http.GetAsync($"{forum}/attachments/{photo.Id}/link")).StatusCode);

        var thread = await Responses.Created<ThreadSummary>(await ann.PostAsync($"{forum}/threads", new { kind = "Discussion", title = "Our view", body = "Look!", attachmentIds = new[] { photo.Id } }));
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsync($"{forum}/threads/{thread.ThreadId}/posts", new { body = "Mine now", attachmentIds = new[] { photo.Id } })).StatusCode);
        var opening = (await bob.GetAsync<ThreadPostsPage>($"{forum}/threads/{thread.ThreadId}")).Posts[0];
        Assert.Equal([photo.Id], opening.Attachments!.Select(a => a.Id));

        var link = await bob.GetAsync<LinkView>($"{forum}/attachments/{photo.Id}/link");
        Assert.True(link.ExpiresAt <= DateTimeOffset.UtcNow.AddMinutes(6));
        using var anonymous = new HttpClient { BaseAddress = fixture.Url };
        var download = await anonymous.GetAsync(link.Url);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("image/png", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(Png, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(link.Url[..^2] + "xx")).StatusCode);

        var notes = await Responses.Created<AttachmentInfo>(await Upload(owner, community, "Line-up: 4-3-3\n"u8.ToArray(), "lineup.txt"));
        var ack = await owner.Hub.InvokeAsync<SendAck>("SendMessageWithAttachments", community, channel, "Tonight's line-up", "lineup-1", new[] { notes.Id });
        var message = (await ann.GetAsync<HistoryPage>($"/api/communities/{community}/channels/{channel}/messages?afterSeq={ack.Seq - 1}&limit=1")).Messages[0];
        Assert.Equal(("text/plain", "lineup.txt"), (message.Attachments![0].ContentType, message.Attachments[0].FileName));
        var text = await anonymous.GetAsync((await ann.GetAsync<LinkView>($"{forum}/attachments/{notes.Id}/link")).Url);
        Assert.Equal("attachment", text.Content.Headers.ContentDisposition!.DispositionType);

        Assert.Equal(HttpStatusCode.OK, (await ann.Http.DeleteAsync($"{forum}/threads/{thread.ThreadId}/posts/1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Http.GetAsync($"{forum}/attachments/{photo.Id}/link")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await owner.Http.PutAsJsonAsync($"{forum}/forum/settings", new { maxAttachmentBytes = 10, attachmentTypes = new[] { "image/png" } })).StatusCode);
        var tooBig = await Upload(ann, community, Png, "big.png");
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
        Assert.Contains("too_long", await tooBig.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await Upload(ann, community, "plain words"u8.ToArray(), "words.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Http.PutAsJsonAsync($"{forum}/forum/settings", new { attachmentTypes = new[] { "application/x-msdownload" } })).StatusCode);
    }

    internal static Task<HttpResponseMessage> Upload(TestUser user, string community, byte[] bytes, string name)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        // The client's claimed type is deliberately wrong: the server must judge the bytes.
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "file", name);
        return user.Http.PostAsync($"/api/communities/{community}/attachments", form);
    }

    private sealed record LinkView(string Url, DateTimeOffset ExpiresAt, string ContentType, string FileName);
}
