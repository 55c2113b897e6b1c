using CommunityScale.Chat;
using CommunityScale.Errors;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

/// <summary>Issue #8's chat half: authors edit and remove their messages, members react, everyone sees it live and in history.</summary>
[Collection(SharedSystem.Name)]
[Trait("Area", "Threads")]
public sealed class ChatMessageActionsTests(SystemFixture fixture)
{
    [Fact]
    public async Task Authors_edit_and_remove_their_messages_and_members_react_live_and_in_history()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "olga");
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        var (community, channel) = await SystemFixture.NewChannel(owner, ann, bob);
        await ann.JoinChannel(community, channel);
        await bob.JoinChannel(community, channel);
        var first = await ann.Send(community, channel, "Kick-off at 8");
        var second = await ann.Send(community, channel, "Bring scarves");

        var edited = await ann.Hub.InvokeAsync<ChatMessage>("EditMessage", community, channel, first.Seq, "Kick-off at 9");
        Assert.Equal(("Kick-off at 9", true), (edited.Text, edited.EditedAt is not null));
        await bob.WaitUntil(u => u.EditedEvents.Any(m => m.Seq == first.Seq && m.Text == "Kick-off at 9"), what: "the edit, live");
        Assert.Equal("forbidden", Code(await Assert.ThrowsAsync<HubException>(() => bob.Hub.InvokeAsync<ChatMessage>("EditMessage", community, channel, first.Seq, "Mine now"))));
        Assert.Equal("not_found", Code(await Assert.ThrowsAsync<HubException>(() => ann.Hub.InvokeAsync<ChatMessage>("EditMessage", community, channel, 99L, "Nope"))));

        var reacted = await bob.Hub.InvokeAsync<MessageReactionCounts>("React", community, channel, first.Seq, "tada", true);
        Assert.Equal(1, reacted.Counts["tada"]);
        Assert.Equal(["tada"], reacted.Mine!);
        Assert.Equal(1, (await bob.Hub.InvokeAsync<MessageReactionCounts>("React", community, channel, first.Seq, "tada", true)).Counts["tada"]);
        Assert.Equal(2, (await ann.Hub.InvokeAsync<MessageReactionCounts>("React", community, channel, first.Seq, "tada", true)).Counts["tada"]);
        Assert.Equal("invalid", Code(await Assert.ThrowsAsync<HubException>(() => bob.Hub.InvokeAsync<MessageReactionCounts>("React", community, channel, first.Seq, "poop", true))));
        await ann.WaitUntil(u => u.ReactionEvents.Any(r => r.Seq == first.Seq && r.Counts.GetValueOrDefault("tada") == 2), what: "the reactions, live");

        Assert.Equal("forbidden", Code(await Assert.ThrowsAsync<HubException>(() => bob.Hub.InvokeAsync<MessageRemovedNotice>("RemoveMessage", community, channel, second.Seq, null))));
        await ann.Hub.InvokeAsync<MessageRemovedNotice>("RemoveMessage", community, channel, second.Seq, null);
        await bob.WaitUntil(u => u.RemovedEvents.Any(r => r.Seq == second.Seq), what: "the removal, live");

        var history = await ann.GetAsync<HistoryPage>($"/api/communities/{community}/channels/{channel}/messages?afterSeq=0&limit=10");
        Assert.Equal(("Kick-off at 9", 2), (history.Messages[0].Text, history.Messages[0].Reactions!["tada"]));
        Assert.Equal((true, ""), (history.Messages[1].Removed, history.Messages[1].Text));
    }

    private static string Code(HubException ex) => SystemFixture.CodeOf(ex);
}
