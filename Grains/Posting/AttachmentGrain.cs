using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Posting;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using CommunityScale.Threads;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Posting;

[GenerateSerializer, Alias("cs.AttachmentState")]
public sealed class AttachmentState
{
    [Id(0)] public AttachmentInfo? Info { get; set; }
}

/// <summary>The record of one uploaded file: who may attach it (its uploader, once), and who may read it.</summary>
public sealed class AttachmentGrain(
    [PersistentState("attachment", StorageNames.Main)] IPersistentState<AttachmentState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock) : Grain, IAttachmentGrain
{
    private readonly StateWriter<AttachmentState> _store = new(state);

    public const int MaxPerPost = 10;

    public async Task<AttachmentInfo> Register(AttachmentInfo info, Actor uploader)
    {
        if (_store.State.Info is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Attachment '{info.Id}' already exists.");
        }

        PostingRules.RequireMayPost(await PostingRules.RequireMember(GrainFactory, info.CommunityId, uploader.UserId), clock.GetUtcNow());
        var settings = await GrainFactory.GetGrain<IThreadDirectoryGrain>(info.CommunityId).GetSettings();
        AttachmentRules.RequireAllowed(info.ContentType, info.Size, settings);
        _store.State.Info = info with { UploadedBy = uploader.UserId, AttachedTo = null, Revoked = false };
        await _store.Write();
        return _store.State.Info;
    }

    public Task<AttachmentInfo?> Get() => Task.FromResult(_store.State.Info);

    public async Task<AttachmentInfo> Attach(string target, Actor author)
    {
        var info = _store.State.Info ?? throw CommunityException.Invalid($"Attachment '{this.GetPrimaryKeyString()}' was never uploaded.");
        if (info.UploadedBy != author.UserId)
        {
            throw CommunityException.Invalid($"Attachment '{info.Id}' is not one of your uploads.");
        }

        if (info.AttachedTo == target && !info.Revoked)
        {
            return info;
        }

        if (info.AttachedTo is not null)
        {
            throw CommunityException.Invalid($"Attachment '{info.Id}' is already on another post; upload it again.");
        }

        _store.State.Info = info with { AttachedTo = target };
        await _store.Write();
        return _store.State.Info;
    }

    public Task Erase() => _store.Clear();

    public async Task Revoke()
    {
        if (_store.State.Info is { Revoked: false } info)
        {
            _store.State.Info = info with { Revoked = true };
            await _store.Write();
        }
    }

    public Task<bool> MayRead(string userId) => Task.FromResult(_store.State.Info is { } info
        && (info.UploadedBy == userId || (info.AttachedTo is not null && !info.Revoked)));
}

/// <summary>A community's limits on uploads.</summary>
public static class AttachmentRules
{
    /// <summary>The ceiling an admin may raise a community's limit to.</summary>
    public const long MaxBytesCeiling = 25L * 1024 * 1024;

    /// <summary>The types the server can recognise from a file's first bytes; a community allows a subset.</summary>
    public static IReadOnlyList<string> KnownTypes { get; } = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"];

    public static void RequireAllowed(string contentType, long size, ForumSettings settings)
    {
        if (!settings.AttachmentTypes.Contains(contentType, StringComparer.Ordinal))
        {
            throw CommunityException.Invalid($"Files of type {contentType} are not allowed here; allowed: {string.Join(", ", settings.AttachmentTypes)}.");
        }

        if (size <= 0)
        {
            throw CommunityException.Invalid("The file is empty.");
        }

        if (size > settings.MaxAttachmentBytes)
        {
            throw new CommunityException(ErrorCodes.TooLong, $"The file has {size} bytes; this community allows {settings.MaxAttachmentBytes}.");
        }
    }
}
