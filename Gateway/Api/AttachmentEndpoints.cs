using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gateway.Attachments;
using CommunityScale.Gateway.Auth;
using CommunityScale.Posting;
using CommunityScale.Threads;

namespace CommunityScale.Gateway.Api;

public sealed record AttachmentLink(string Url, DateTimeOffset ExpiresAt, string ContentType, string FileName);

/// <summary>
/// Uploads (members; type judged from the bytes; the community's size and type limits), short-lived links (only for
/// those who may read the post that carries the file), and the download behind a link.
/// </summary>
public static class AttachmentEndpoints
{
    private const int MaxFileNameLength = 200;

    public static void MapAttachmentsApi(this WebApplication app)
    {
        var community = app.MapGroup("/api/communities/{communityId}/attachments").RequireAuthorization().WithTags("Attachments").Gated(CommunityGateMode.Exists);

        // Bearer tokens, no cookies: a cross-site form cannot carry the caller's credentials, so no antiforgery token is needed.
        community.MapPost("/", Upload).DisableAntiforgery();

        community.MapGet("/{attachmentId}/link", async (string communityId, string attachmentId, HttpContext http, IClusterClient cluster, AttachmentStore store) =>
        {
            var (c, id) = (InputRules.RequireId(communityId, "community id"), InputRules.RequireId(attachmentId, "attachment id"));
            var attachment = cluster.Attachment(c, id);
            // Not found rather than forbidden: whoever may not read the post does not learn that the file exists.
            var userId = http.User.ToActor().UserId;
            var info = await attachment.MayRead(userId) ? await attachment.Get() : null;
            if (info is null || !await MayViewPlace(cluster, c, info.AttachedTo, userId))
            {
                throw CommunityException.NotFound($"Attachment '{id}'");
            }

            var (token, expires) = store.Link(c, id);
            return new AttachmentLink($"/api/attachments/{token}", expires, info.ContentType, info.FileName);
        });

        app.MapGet("/api/attachments/{token}", async (string token, HttpContext http, IClusterClient cluster, AttachmentStore store) =>
        {
            if (token.Length > 300 || store.Verify(token) is not { } named)
            {
                return Results.NotFound();
            }

            var info = await cluster.Attachment(named.CommunityId, named.Id).Get();
            if (info is null)
            {
                return Results.NotFound();
            }

            http.Response.Headers["X-Content-Type-Options"] = "nosniff";
            http.Response.Headers.CacheControl = "private, max-age=300";
            http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
            var stream = await store.Open(named.CommunityId, named.Id, http.RequestAborted);
            // Images show in the page; anything else downloads, so a browser never renders an uploaded document as ours.
            return info.ContentType.StartsWith("image/", StringComparison.Ordinal)
                ? Results.Stream(stream, info.ContentType)
                : Results.File(stream, info.ContentType, info.FileName);
        }).AllowAnonymous().WithTags("Attachments");
    }

    /// <summary>
    /// Whether the user may view the channel or thread a file is on (<see cref="AttachmentInfo.AttachedTo"/>:
    /// <c>channel:&lt;id&gt;:…</c> or <c>thread:&lt;id&gt;:…</c>); a file on no post yet is its uploader's alone, which
    /// <c>MayRead</c> already decided.
    /// </summary>
    private static async Task<bool> MayViewPlace(IClusterClient cluster, string communityId, string? attachedTo, string userId)
    {
        var parts = attachedTo?.Split(':', 3);
        var allowed = parts switch
        {
            ["channel", var channelId, _] when InputRules.IsValidId(channelId) => await cluster.Channel(new Chat.ChannelKey(communityId, channelId)).PermissionsOf(userId),
            ["thread", var threadId, _] when InputRules.IsValidId(threadId) => await cluster.Thread(new ThreadKey(communityId, threadId)).PermissionsOf(userId),
            null => Access.Permissions.View,
            _ => Access.Permissions.None,
        };
        return allowed.HasFlag(Access.Permissions.View);
    }

    private static async Task<IResult> Upload(string communityId, IFormFile? file, HttpContext http, IClusterClient cluster, AttachmentStore store, TimeProvider clock)
    {
        var c = InputRules.RequireId(communityId, "community id");
        var actor = http.User.ToActor();
        if (file is null)
        {
            throw CommunityException.Invalid("Send the file as multipart/form-data in a field named 'file'.");
        }

        var settings = await cluster.GetGrain<IThreadDirectoryGrain>(c).GetSettings();
        if (file.Length > settings.MaxAttachmentBytes)
        {
            throw new CommunityException(ErrorCodes.TooLong, $"The file has {file.Length} bytes; this community allows {settings.MaxAttachmentBytes}.");
        }

        _ = await cluster.Member(c, actor.UserId).Get()
            ?? throw new CommunityException(ErrorCodes.NotMember, $"Join community '{c}' first.");
        var bytes = new byte[file.Length];
        await using (var input = file.OpenReadStream())
        {
            await input.ReadExactlyAsync(bytes, http.RequestAborted);
        }

        var type = FileSignatures.Detect(bytes)
            ?? throw CommunityException.Invalid("The file's contents are not of a type this server accepts (PNG, JPEG, GIF, WebP, PDF or UTF-8 text), whatever its name says.");
        if (!settings.AttachmentTypes.Contains(type, StringComparer.Ordinal))
        {
            throw CommunityException.Invalid($"Files of type {type} are not allowed here; allowed: {string.Join(", ", settings.AttachmentTypes)}.");
        }

        var id = Guid.NewGuid().ToString("n");
        await store.Upload(c, id, type, bytes, http.RequestAborted);
        try
        {
            var info = await cluster.Attachment(c, id)
                .Register(new AttachmentInfo(id, c, FileName(file.FileName), type, bytes.Length, actor.UserId, clock.GetUtcNow()), actor);
            return Results.Created($"/api/communities/{c}/attachments/{id}", info);
        }
        catch (CommunityException)
        {
            await store.Delete(c, id);
            throw;
        }
    }

    /// <summary>The name shown for a download: the last path segment, printable, at most 200 characters.</summary>
    public static string FileName(string? name)
    {
        var clean = new string(Path.GetFileName(name ?? "").Where(ch => !char.IsControl(ch) && ch is not ('"' or '\\' or '/')).ToArray()).Trim();
        return clean.Length == 0 ? "file" : clean.Length > MaxFileNameLength ? clean[..MaxFileNameLength] : clean;
    }
}
