using CommunityScale.Errors;
using CommunityScale.Gateway.Auth;
using CommunityScale.Integrations;
using CommunityScale.Threads;

namespace CommunityScale.Gateway.Api;

public sealed record EditPostRequest(string? Body);

public sealed record AcceptAnswerRequest(string? PostId);

public sealed record IdeaStatusRequest(IdeaStatus Status, string? Comment);


public sealed record FollowState(bool Following);

public sealed record HeldPost(bool Held, string ReviewId);

/// <summary>The forum: categories, threads, posts, reactions, accepted answers, follows, idea votes and statuses.</summary>
public static class ThreadEndpoints
{
    public static void MapThreadsApi(this WebApplication app)
    {
        var forum = app.MapGroup("/api/communities/{communityId}").RequireAuthorization().WithTags("Threads");

        forum.MapGet("/forum/categories", (string communityId, HttpContext http, IClusterClient cluster) => Directory(cluster, communityId).GetCategoriesFor(http.User.ToActor().UserId))
            .WithMetadata(new ApiScopeAttribute(ApiScopes.ThreadsRead));

        forum.MapPost("/forum/categories", async (string communityId, ForumCategory category, HttpContext http, IClusterClient cluster) =>
        {
            var created = await Directory(cluster, communityId).CreateCategory(category, http.User.ToActor());
            return Results.Created($"/api/communities/{communityId}/forum/categories/{created.Id}", created);
        });

        forum.MapGet("/forum/settings", (string communityId, HttpContext http, IClusterClient cluster) => Directory(cluster, communityId).GetSettingsFor(http.User.ToActor().UserId));

        forum.MapPut("/forum/settings", (string communityId, ForumSettingsUpdate update, HttpContext http, IClusterClient cluster) =>
            Directory(cluster, communityId).UpdateSettings(update, http.User.ToActor()));

        forum.MapGet("/threads", (string communityId, string? sort, string? tag, string? category, ThreadKind? kind, string? cursor, int? limit, HttpContext http, IClusterClient cluster) =>
            Directory(cluster, communityId).ListFor(new ThreadQuery(sort ?? "latest", tag, category, kind, Bounded(cursor), limit ?? 20), http.User.ToActor().UserId)).WithMetadata(new ApiScopeAttribute(ApiScopes.ThreadsRead));

        forum.MapGet("/search", (string communityId, string? q, int? limit, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IForumSearchGrain>(InputRules.RequireId(communityId, "community id"))
                .SearchFor(q is { Length: > 0 and <= 200 } ? q : throw CommunityException.Invalid("q must be 1 to 200 characters."), InputRules.RequireLimit(limit, 20), http.User.ToActor().UserId)).WithMetadata(new ApiScopeAttribute(ApiScopes.ThreadsRead));

        forum.MapPost("/threads", async (string communityId, NewThread thread, HttpContext http, IClusterClient cluster) =>
        {
            var created = await Directory(cluster, communityId).CreateThread(thread, http.User.ToActor());
            return Results.Created($"/api/communities/{communityId}/threads/{created.ThreadId}", created);
        }).WithMetadata(new ApiScopeAttribute(ApiScopes.ThreadsWrite));

        forum.MapGet("/threads/{threadId}", (string communityId, string threadId, long? afterSeq, int? limit, HttpContext http, IClusterClient cluster) =>
            Thread(cluster, communityId, threadId).ReadAs(http.User.ToActor().UserId, InputRules.RequireAfterSeq(afterSeq), InputRules.RequireLimit(limit, 50))).WithMetadata(new ApiScopeAttribute(ApiScopes.ThreadsRead));

        // What the caller may do in the thread's category: a client shows or hides its reply box and reactions by it.
        forum.MapGet("/threads/{threadId}/permissions/me", async (string communityId, string threadId, HttpContext http, IClusterClient cluster) =>
            PermissionsView.IfViewable(await Thread(cluster, communityId, threadId).PermissionsOf(http.User.ToActor().UserId), $"Thread '{threadId}'"));

        forum.MapPost("/threads/{threadId}/posts", async (string communityId, string threadId, NewReply reply, HttpContext http, IClusterClient cluster) =>
        {
            var outcome = await Thread(cluster, communityId, threadId).Reply(reply, http.User.ToActor());
            // Held for review: accepted for a moderator, not posted (it gets its seq if approved).
            return outcome.Post is { } post
                ? Results.Created($"/api/communities/{communityId}/threads/{threadId}/posts/{post.Seq}", post)
                : Results.Accepted(value: new HeldPost(true, outcome.HeldId!));
        }).WithMetadata(new ApiScopeAttribute(ApiScopes.ThreadsWrite));

        forum.MapPut("/threads/{threadId}/posts/{seq:long}", (string communityId, string threadId, long seq, EditPostRequest edit, HttpContext http, IClusterClient cluster) =>
            Thread(cluster, communityId, threadId).Edit(seq, edit.Body ?? "", http.User.ToActor()));

        forum.MapDelete("/threads/{threadId}/posts/{seq:long}", (string communityId, string threadId, long seq, string? reason, HttpContext http, IClusterClient cluster) =>
            Thread(cluster, communityId, threadId).Remove(seq, MemberModerationEndpoints.Reason(reason), http.User.ToActor()));

        forum.MapGet("/threads/{threadId}/posts/{seq:long}/revisions", (string communityId, string threadId, long seq, HttpContext http, IClusterClient cluster) =>
            Thread(cluster, communityId, threadId).GetRevisions(seq, http.User.ToActor()));

        forum.MapPut("/threads/{threadId}/posts/{seq:long}/reactions/{emoji}", (string communityId, string threadId, long seq, string emoji, HttpContext http, IClusterClient cluster) =>
            Thread(cluster, communityId, threadId).React(seq, emoji, true, http.User.ToActor()));

        forum.MapDelete("/threads/{threadId}/posts/{seq:long}/reactions/{emoji}", (string communityId, string threadId, long seq, string emoji, HttpContext http, IClusterClient cluster) =>
            Thread(cluster, communityId, threadId).React(seq, emoji, false, http.User.ToActor()));

        forum.MapPut("/threads/{threadId}/accepted", (string communityId, string threadId, AcceptAnswerRequest request, HttpContext http, IClusterClient cluster) =>
            Thread(cluster, communityId, threadId).Accept(request.PostId ?? throw CommunityException.Invalid("postId is required."), http.User.ToActor()));

        forum.MapDelete("/threads/{threadId}/accepted", (string communityId, string threadId, HttpContext http, IClusterClient cluster) =>
            Thread(cluster, communityId, threadId).Accept(null, http.User.ToActor()));

        forum.MapGet("/threads/{threadId}/follow", async (string communityId, string threadId, HttpContext http, IClusterClient cluster) =>
            new FollowState(await Thread(cluster, communityId, threadId).IsFollowing(http.User.ToActor().UserId)));

        forum.MapPut("/threads/{threadId}/follow", async (string communityId, string threadId, HttpContext http, IClusterClient cluster) =>
            new FollowState(await Thread(cluster, communityId, threadId).Follow(true, http.User.ToActor())));

        forum.MapDelete("/threads/{threadId}/follow", async (string communityId, string threadId, HttpContext http, IClusterClient cluster) =>
            new FollowState(await Thread(cluster, communityId, threadId).Follow(false, http.User.ToActor())));

        forum.MapPut("/threads/{threadId}/vote", (string communityId, string threadId, HttpContext http, IClusterClient cluster) =>
            Thread(cluster, communityId, threadId).Vote(true, http.User.ToActor()));

        forum.MapDelete("/threads/{threadId}/vote", (string communityId, string threadId, HttpContext http, IClusterClient cluster) =>
            Thread(cluster, communityId, threadId).Vote(false, http.User.ToActor()));

        forum.MapPut("/threads/{threadId}/status", (string communityId, string threadId, IdeaStatusRequest request, HttpContext http, IClusterClient cluster) =>
            Thread(cluster, communityId, threadId).SetStatus(request.Status, request.Comment, http.User.ToActor()));
    }

    private static IThreadDirectoryGrain Directory(IClusterClient cluster, string communityId) =>
        cluster.GetGrain<IThreadDirectoryGrain>(InputRules.RequireId(communityId, "community id"));

    private static IThreadGrain Thread(IClusterClient cluster, string communityId, string threadId) =>
        cluster.Thread(new ThreadKey(InputRules.RequireId(communityId, "community id"), InputRules.RequireId(threadId, "thread id")));

    private static string? Bounded(string? cursor) =>
        cursor is null || cursor.Length <= 200 ? cursor : throw CommunityException.Invalid("The cursor is not one this listing gave out.");
}
