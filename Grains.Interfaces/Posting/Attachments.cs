using CommunityScale.Communities;

namespace CommunityScale.Posting;

/// <summary>
/// A file a member uploaded (the bytes are a blob named <c>community/id</c>; this is what the cluster knows of it).
/// <see cref="AttachedTo"/> names the post or message that carries it; <see cref="Revoked"/>: that post was removed, so
/// nobody but the uploader gets a link any more.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.AttachmentInfo")]
public sealed record AttachmentInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string CommunityId,
    [property: Id(2)] string FileName,
    [property: Id(3)] string ContentType,
    [property: Id(4)] long Size,
    [property: Id(5)] string UploadedBy,
    [property: Id(6)] DateTimeOffset UploadedAt,
    [property: Id(7)] string? AttachedTo = null,
    [property: Id(8)] bool Revoked = false);

/// <summary>One uploaded file's record (key: <c>community/attachmentId</c>).</summary>
[Alias("cs.IAttachmentGrain")]
public interface IAttachmentGrain : IGrainWithStringKey
{
    /// <summary>Erasure: the record goes, so no link to the file works any more.</summary>
    [Alias("Erase")]
    Task Erase();

    /// <summary>Records an uploaded file after checking the uploader's membership and the community's size and type limits.</summary>
    [Alias("Register")]
    Task<AttachmentInfo> Register(AttachmentInfo info, Actor uploader);

    [Alias("Get")]
    Task<AttachmentInfo?> Get();

    /// <summary>Binds the file to a post or message of its uploader; binding it to the same target again is a no-op.</summary>
    [Alias("Attach")]
    Task<AttachmentInfo> Attach(string target, Actor author);

    /// <summary>The post or message that carried it was removed.</summary>
    [Alias("Revoke")]
    Task Revoke();

    /// <summary>Whether <paramref name="userId"/> may have a link: the uploader always, others once it is on a post that still stands.</summary>
    [Alias("MayRead")]
    Task<bool> MayRead(string userId);
}
