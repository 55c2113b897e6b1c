using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Threads;

namespace CommunityScale.Posting;

/// <summary>Uploads bound to a post or chat message: checked before anything is accepted, bound before the post is stored.</summary>
public static class Attachments
{
    /// <summary>The distinct, well-formed ids (<c>invalid</c> for a bad one or too many): all checked before any is bound.</summary>
    public static IReadOnlyList<string> RequireIds(IReadOnlyList<string>? ids, string what)
    {
        if (ids is not { Count: > 0 })
        {
            return [];
        }

        var distinct = ids.Select(id => InputRules.RequireId(id, "attachment id")).Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count > AttachmentGrain.MaxPerPost
            ? throw CommunityException.Invalid($"A {what} carries at most {AttachmentGrain.MaxPerPost} attachments.")
            : distinct;
    }

    /// <summary>
    /// Binds the uploads to <paramref name="target"/> (each checks that the author uploaded it and that it is unused);
    /// binding again to the same target is harmless, so a retried post binds them again rather than twice.
    /// </summary>
    public static async Task<IReadOnlyList<AttachmentInfo>?> Bind(IGrainFactory grains, string communityId, IReadOnlyList<string> ids, string target, Actor author) =>
        ids.Count == 0 ? null
        : await Task.WhenAll(ids.Select(id => grains.Attachment(communityId, id).Attach(target, author)));
}
