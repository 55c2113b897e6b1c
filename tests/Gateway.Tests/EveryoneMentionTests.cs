using System.Net.Http.Json;
using System.Text.Json;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Notifications;
using CommunityScale.TestSupport;
using CommunityScale.Threads;
using Microsoft.AspNetCore.SignalR.Client;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// <c>@everyone</c> and <c>@here</c> mention everybody only for an author holding <c>mention_everyone</c> where they
/// write: through real hub connections (what receivers see live) and the stored history.
/// </summary>
[Collection(SharedSystem.Name)]
[Trait("Area", "Roles")]
public sealed class EveryoneMentionTests(SystemFixture fixture)
{
    private sealed record Perms(string[] Permissions);

    /// <summary>
    /// Waits until <paramref name="path"/> (a channel's or a thread's <c>permissions/me</c>) shows the change for
    /// <paramref name="user"/>: a change reaches sends within the documented 2 s, not at once, and sending until it
    /// does would meet the flood limit.
    /// </summary>
    private static Task UntilMay(TestUser user, string path, bool expected) =>
        Responses.Eventually(async () => (await user.GetAsync<Perms>(path)).Permissions.Contains("mention_everyone") == expected,
            $"{user.UserId} {(expected ? "holding" : "losing")} mention_everyone at {path}");

    /// <summary>Max sends <paramref name="text"/>; it is accepted whatever he may, and Rita receives it live.</summary>
    private static async Task<ChatMessage> Delivered(TestUser max, TestUser rita, string community, string channel, string text)
    {
        var ack = await max.Send(community, channel, text);
        Assert.True(ack.Seq > 0, "the message is accepted, with or without the permission");
        await rita.WaitUntil(u => u.Shown(community, channel).Any(m => m.Seq == ack.Seq), what: $"message {ack.Seq} in {channel}");
        var seen = rita.Shown(community, channel).Single(m => m.Seq == ack.Seq);
        Assert.Equal(text, seen.Text);
        return seen;
    }

    private static async Task<bool> StoredFlag(TestUser reader, string community, string channel, long seq) =>
        (await reader.GetAsync<HistoryPage>($"/api/communities/{community}/channels/{channel}/messages")).Messages.Single(m => m.Seq == seq).MentionsEveryone;

    [Fact]
    public async Task A_role_granting_mention_everyone_makes_it_count_and_a_channel_override_denying_it_makes_it_inert_again()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "ev-olga");
        await using var max = await TestUser.ConnectAsync(fixture.Url, "ev-max");
        await using var rita = await TestUser.ConnectAsync(fixture.Url, "ev-rita");
        var (community, channel) = await SystemFixture.NewChannel(owner, max, rita);
        await rita.JoinChannel(community, channel);

        var mine = $"/api/communities/{community}/channels/{channel}/permissions/me";

        // Without the permission the message is accepted as it is, and mentions nobody.
        var plain = await Delivered(max, rita, community, channel, "@everyone hi");
        Assert.False(plain.MentionsEveryone);
        Assert.False(await StoredFlag(rita, community, channel, plain.Seq));
        // Nor does it notify anyone one by one.
        Assert.DoesNotContain(rita.Notifications, n => n.Kind == NotificationKinds.Mention);

        (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/roles/herald",
            new { name = "Herald", position = 5, permissions = new[] { "view", "send", "mention_everyone" } })).EnsureSuccessStatusCode();
        (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/members/{max.UserId}/roles", new { roles = new[] { "herald" } })).EnsureSuccessStatusCode();
        await UntilMay(max, mine, expected: true);
        var granted = await Delivered(max, rita, community, channel, "@here doors open");
        Assert.True(granted.MentionsEveryone);
        Assert.True(await StoredFlag(rita, community, channel, granted.Seq));

        // Holding the permission does not make any '@' a mention of everybody: the whole token is needed.
        Assert.False((await Delivered(max, rita, community, channel, "write to desk@everyone.com or @everyones")).MentionsEveryone);

        // An edit decides again: the flag follows the text.
        var edited = await max.Hub.InvokeAsync<ChatMessage>("EditMessage", community, channel, granted.Seq, "doors open");
        Assert.False(edited.MentionsEveryone);
        await rita.WaitUntil(u => u.EditedEvents.Any(m => m.Seq == granted.Seq), what: "the edit");
        Assert.False(rita.EditedEvents.Single(m => m.Seq == granted.Seq).MentionsEveryone);
        Assert.False(await StoredFlag(rita, community, channel, granted.Seq));

        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/channels/{channel}/overrides",
            new { overrides = new object[] { new { role = "herald", deny = new[] { "mention_everyone" } } } })).Read<JsonElement>();
        await UntilMay(max, mine, expected: false);
        var denied = await Delivered(max, rita, community, channel, "@everyone again");
        Assert.False(denied.MentionsEveryone);
        Assert.False(await StoredFlag(rita, community, channel, denied.Seq));
    }

    [Fact]
    public async Task A_channel_override_allowing_it_counts_in_that_channel_only()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "evo-olga");
        await using var max = await TestUser.ConnectAsync(fixture.Url, "evo-max");
        await using var rita = await TestUser.ConnectAsync(fixture.Url, "evo-rita");
        var (community, channel) = await SystemFixture.NewChannel(owner, max, rita);
        (await owner.PostAsync($"/api/communities/{community}/channels", new { id = "other", name = "Other" })).EnsureSuccessStatusCode();
        await rita.JoinChannel(community, channel);
        await rita.JoinChannel(community, "other");

        await (await owner.Http.PutAsJsonAsync($"/api/communities/{community}/channels/{channel}/overrides",
            new { overrides = new object[] { new { member = max.UserId, allow = new[] { "mention_everyone" } } } })).Read<JsonElement>();
        await UntilMay(max, $"/api/communities/{community}/channels/{channel}/permissions/me", expected: true);
        Assert.True((await Delivered(max, rita, community, channel, "@everyone party")).MentionsEveryone);
        Assert.False((await Delivered(max, rita, community, "other", "@everyone party")).MentionsEveryone);
    }

    [Fact]
    public async Task A_forum_post_mentions_everybody_only_for_an_author_with_the_permission_in_its_category()
    {
        await using var owner = await TestUser.ConnectAsync(fixture.Url, "evf-olga", connectHub: false);
        await using var max = await TestUser.ConnectAsync(fixture.Url, "evf-max", connectHub: false);
        var (community, _) = await SystemFixture.NewChannel(owner, max);
        var forum = $"/api/communities/{community}";

        var thread = await Responses.Created<ThreadSummary>(await owner.PostAsync($"{forum}/threads",
            new { categoryId = "general", kind = "Discussion", title = "Meetup", body = "@everyone we meet on Friday" }));
        var byMember = await Responses.Created<ThreadPost>(await max.PostAsync($"{forum}/threads/{thread.ThreadId}/posts", new { body = "@here count me in" }));
        Assert.False(byMember.MentionsEveryone);
        // "@everyone" is not a member either: nothing in the post names a member.
        Assert.Empty(byMember.Mentions);

        var page = await max.GetAsync<ThreadPostsPage>($"{forum}/threads/{thread.ThreadId}");
        Assert.Equal([true, false], page.Posts.Select(p => p.MentionsEveryone));

        (await owner.Http.PutAsJsonAsync($"{forum}/categories/general/overrides",
            new { overrides = new object[] { new { member = max.UserId, allow = new[] { "mention_everyone" } } } })).EnsureSuccessStatusCode();
        await UntilMay(max, $"{forum}/threads/{thread.ThreadId}/permissions/me", expected: true);
        var allowed = await Responses.Created<ThreadPost>(await max.PostAsync($"{forum}/threads/{thread.ThreadId}/posts", new { body = "@here bring snacks" }));
        Assert.True(allowed.MentionsEveryone);
    }
}
