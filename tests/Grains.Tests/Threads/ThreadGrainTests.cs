using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Threads;

namespace CommunityScale.Grains.Tests.Threads;

[Collection(SharedCluster.Name)]
[Trait("Area", "Threads")]
public sealed class ThreadGrainTests(ClusterFixture fixture)
{
    private const string Spam = "WINNER!! You have been selected to receive a £900 prize reward! To claim call 09061701461. Valid 12 hours only.";
    private static readonly Actor Owner = new("owner", "Owner");
    private static readonly Actor Ann = new("ann", "Ann");
    private static readonly Actor Bob = new("bob", "Bob");

    [Fact]
    public async Task A_held_reply_waits_in_the_review_queue_and_on_approval_becomes_the_next_post()
    {
        var community = $"t-{Guid.NewGuid():n}";
        var client = fixture.Client;
        await client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        await client.GetGrain<ICommunityGrain>(community).Join(Ann);
        await client.GetGrain<ICommunityGrain>(community).Join(Bob);
        await client.GetGrain<IModerationPolicyGrain>(community).Update(
            new ModerationPolicyUpdate(null, null, null, null, null, null, null, ClassifierThreshold: 0.5, HoldInsteadOfRefuse: true), Owner);
        var summary = await client.GetGrain<IThreadDirectoryGrain>(community).CreateThread(new NewThread(null, ThreadKind.Discussion, "Tickets", "Who has spares?", null), Ann);
        var thread = client.GetGrain<IThreadGrain>(new ThreadKey(community, summary.ThreadId).ToString());
        var queue = client.GetGrain<IModerationQueueGrain>(community);

        Assert.Equal(ErrorCodes.BlockedContent, (await Assert.ThrowsAsync<CommunityException>(() =>
            client.GetGrain<IThreadDirectoryGrain>(community).CreateThread(new NewThread(null, ThreadKind.Discussion, "Prize", Spam, null), Bob))).Code);
        var held = await thread.Reply(new NewReply(Spam, 1, "spam-1"), Bob);
        Assert.Null(held.Post);
        Assert.Equal(held.HeldId, (await thread.Reply(new NewReply(Spam, 1, "spam-1"), Bob)).HeldId);
        Assert.Equal(1, (await thread.GetPosts(0, 10)).LastSeq);
        Assert.Equal(2, (await thread.Reply(new NewReply("I have two, DM me", 1, "ok-1"), Ann)).Post!.Seq);

        var waiting = Assert.Single(await queue.List(Owner));
        Assert.Equal((held.HeldId, summary.ThreadId), (waiting.Id, waiting.ThreadId));
        var approved = await queue.Approve(held.HeldId!, Owner);
        Assert.Equal(3, approved.Ack!.Seq);
        var posts = (await thread.GetPosts(0, 10)).Posts;
        Assert.Equal([("ann", 1L), ("ann", 2L), ("bob", 3L)], posts.Select(p => (p.AuthorId, p.Seq)));
        Assert.Equal(Spam, posts[2].Markdown);
        Assert.Empty(await queue.List(Owner));
    }

    [Fact]
    public async Task Threads_and_their_posts_survive_deactivation_and_the_search_index_rebuilds_from_them()
    {
        var community = $"t-{Guid.NewGuid():n}";
        var client = fixture.Client;
        await client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        await client.GetGrain<ICommunityGrain>(community).Join(Ann);
        var directory = client.GetGrain<IThreadDirectoryGrain>(community);
        var summary = await directory.CreateThread(new NewThread(null, ThreadKind.Question, "Parking at the ground", "Any tips for **parking**?", ["travel"]), Ann);
        var thread = client.GetGrain<IThreadGrain>(new ThreadKey(community, summary.ThreadId).ToString());
        for (var i = 0; i < 3; i++)
        {
            await thread.Reply(new NewReply($"Tip number {i}: the multistorey by the river", null, $"tip-{i}"), Owner);
        }

        await Deactivate(thread, directory, client.GetGrain<IForumSearchGrain>(community));

        var page = await thread.GetPosts(0, 10);
        Assert.Equal((4L, 3, ThreadKind.Question), (page.LastSeq, page.Thread.Replies, page.Thread.Kind));
        Assert.Contains("<strong>parking</strong>", page.Posts[0].Html, StringComparison.Ordinal);
        Assert.Equal([summary.ThreadId], (await directory.List(new ThreadQuery("unanswered", "travel", null, null, null, 10))).Items.Select(t => t.ThreadId));
        Assert.Equal(3, (await client.GetGrain<IForumSearchGrain>(community).Search("multistorey river", 10)).Total);
    }

    private async Task Deactivate(params IAddressable[] grains)
    {
        foreach (var grain in grains)
        {
            await fixture.Cluster.DeactivateAsync(grain);
        }
    }

    [Fact]
    public async Task Edits_meet_only_the_content_rules_and_a_muted_member_may_still_vote_on_ideas()
    {
        var community = $"t-{Guid.NewGuid():n}";
        var client = fixture.Client;
        await client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        await client.GetGrain<ICommunityGrain>(community).Join(Ann);
        await client.GetGrain<ICommunityGrain>(community).Join(Bob);
        await client.GetGrain<IModerationPolicyGrain>(community).Update(new ModerationPolicyUpdate(["scalper"], null, null, null, null, null, null), Owner);
        var summary = await client.GetGrain<IThreadDirectoryGrain>(community).CreateThread(new NewThread(null, ThreadKind.Idea, "Night match", "Kick off at 21:00?", null), Ann);
        var thread = client.GetGrain<IThreadGrain>(new ThreadKey(community, summary.ThreadId).ToString());

        // More edits than the flood limit (5 in 5 s here), some back to an earlier text: none is a send.
        foreach (var text in new[] { "Kick off at 20:00?", "Kick off at 21:00?", "Kick off at 20:30?", "Kick off at 21:00?", "Kick off at 19:45?", "Kick off at 21:00?", "Kick off at 20:15?" })
        {
            Assert.Equal(text, (await thread.Edit(1, text, Ann)).Markdown);
        }

        // The content rules still apply to an edit.
        Assert.Equal(ErrorCodes.BlockedContent, (await Assert.ThrowsAsync<CommunityException>(() => thread.Edit(1, "Ask the scalper", Ann))).Code);
        await client.GetGrain<ICommunityModerationGrain>(community).Mute(Bob.UserId, TimeSpan.FromHours(1), "cool down", Owner);
        Assert.Equal(1, (await thread.Vote(true, Bob)).Votes);
    }
}
