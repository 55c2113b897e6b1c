using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;

namespace CommunityScale.Grains.Tests;

[Collection(SharedCluster.Name)]
[Trait("Area", "Threads")]
public sealed class ChannelMessageActionsTests(ClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "The Owner");

    [Fact]
    public async Task Edits_reactions_and_removals_reach_messages_already_sealed_into_history_pages()
    {
        var community = $"c-{Guid.NewGuid():n}";
        var authors = Enumerable.Range(1, 5).Select(i => new Actor($"a{i}", $"A{i}")).ToList();
        await fixture.Client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        foreach (var author in authors)
        {
            await fixture.Client.GetGrain<ICommunityGrain>(community).Join(author);
        }

        await fixture.Client.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, Owner);
        var channel = fixture.Client.GetGrain<IChannelGrain>(new ChannelKey(community, "live").ToString());
        // Five authors within the flood limit: 25 messages seal the first page of 10.
        for (var i = 0; i < 25; i++)
        {
            var author = authors[i % authors.Count];
            await channel.Send(new SendMessageCommand(author.UserId, author.DisplayName, $"message {i + 1}", $"m{i}"));
        }

        Assert.Equal(1, (await channel.GetHistory(0, 1)).Messages[0].Seq);
        var sealedOne = (await channel.GetHistory(0, 1)).Messages[0];
        var tailOne = (await channel.GetHistory(24, 1)).Messages[0];

        foreach (var message in new[] { sealedOne, tailOne })
        {
            var author = authors.Single(a => a.UserId == message.AuthorId);
            var other = authors.First(a => a.UserId != message.AuthorId);
            Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() => channel.EditMessage(message.Seq, "hijacked", other))).Code);
            Assert.Equal("corrected", (await channel.EditMessage(message.Seq, "corrected", author)).Text);
            Assert.Equal(1, (await channel.React(message.Seq, "heart", true, other)).Counts["heart"]);
            Assert.Equal(2, (await channel.React(message.Seq, "heart", true, author)).Counts["heart"]);
            Assert.Equal(1, (await channel.React(message.Seq, "heart", false, author)).Counts["heart"]);

            var stored = (await channel.GetHistory(message.Seq - 1, 1)).Messages[0];
            Assert.Equal(("corrected", 1), (stored.Text, stored.Reactions!["heart"]));
            Assert.NotNull(stored.EditedAt);

            await channel.RemoveMessage(message.Seq, "", author, authorMayRemove: true);
            var removed = (await channel.GetHistory(message.Seq - 1, 1)).Messages[0];
            Assert.Equal((true, "", (IReadOnlyDictionary<string, int>?)null), (removed.Removed, removed.Text, removed.Reactions));
            Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<CommunityException>(() => channel.React(message.Seq, "heart", true, other))).Code);
        }

        Assert.Equal(25, await channel.GetLastSeq());
    }
}
