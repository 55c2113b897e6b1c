using System.Collections.Concurrent;
using System.Text.Json;
using CommunityScale.Chat;
using CommunityScale.Gateway.Relay;
using CommunityScale.Posting;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Gateway.Tests;

[Collection(SharedSystem.Name)]
[Trait("Area", "Chat")]
public sealed class ChatHubTests(SystemFixture fixture)
{
    private static async Task<HistoryPage> History(TestUser user, string community, string channel) =>
        await user.GetAsync<HistoryPage>($"/api/communities/{community}/channels/{channel}/messages?limit=200");

    [Fact]
    public async Task Everyone_joined_sees_a_sent_message_live_with_its_seq()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        var (community, channel) = await SystemFixture.NewChannel(ann, bob);
        var annJoin = await ann.JoinChannel(community, channel);
        var bobJoin = await bob.JoinChannel(community, channel);
        Assert.Equal(0, bobJoin.LastSeq);
        Assert.Empty(annJoin.Messages);

        var ack = await ann.Send(community, channel, "Goal!!!", "cmid-goal");
        Assert.Equal(1, ack.Seq);

        await bob.WaitUntil(u => u.Shown(community, channel).Count == 1, what: "the message");
        var received = bob.Shown(community, channel)[0];
        Assert.Equal(ack.MessageId, received.MessageId);
        Assert.Equal((community, channel, 1L, "ann", "ann", "Goal!!!", "cmid-goal"),
            (received.CommunityId, received.ChannelId, received.Seq, received.AuthorId, received.AuthorName, received.Text, received.ClientMessageId));
        Assert.True(DateTimeOffset.UtcNow - received.SentAt < TimeSpan.FromMinutes(1));
        await ann.WaitUntil(u => u.Shown(community, channel).Count == 1, what: "the sender's own echo");
    }

    [Fact]
    public async Task A_json_client_gets_a_message_without_its_null_fields_and_with_them_once_set()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        var (community, channel) = await SystemFixture.NewChannel(ann, bob);
        // What a browser parses: the raw JSON of each event, not a typed record that reads a missing field as null.
        var token = await TestUser.GetTokenAsync(fixture.Url, "bob");
        var raw = new ConcurrentQueue<(string Event, JsonElement Payload)>();
        await using var browser = new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.Url, "/hubs/community"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        browser.On<JsonElement>("ChannelMessage", m => raw.Enqueue(("ChannelMessage", m)));
        browser.On<JsonElement>("MessageReactions", r => raw.Enqueue(("MessageReactions", r)));
        browser.On<JsonElement>("MessageEdited", m => raw.Enqueue(("MessageEdited", m)));
        await browser.StartAsync();
        await browser.InvokeAsync<JsonElement>("JoinChannel", community, channel, null);

        var ack = await ann.Send(community, channel, "Anpfiff!", "cmid-kickoff");
        await Responses.Eventually(() => Task.FromResult(raw.Any(e => e.Event == "ChannelMessage")), "the message");
        await ann.Hub.InvokeAsync<MessageReactionCounts>("React", community, channel, ack.Seq, "tada", true);
        await ann.Hub.InvokeAsync<ChatMessage>("EditMessage", community, channel, ack.Seq, "Anpfiff! 20:45");
        await Responses.Eventually(() => Task.FromResult(raw.Any(e => e.Event == "MessageReactions") && raw.Any(e => e.Event == "MessageEdited")),
            "the reactions and edit events");

        var message = Assert.Single(raw, e => e.Event == "ChannelMessage").Payload;
        Assert.Equal("Anpfiff!", message.GetProperty("text").GetString());
        Assert.Equal(ack.Seq, message.GetProperty("seq").GetInt64());
        Assert.False(message.GetProperty("removed").GetBoolean());
        Assert.False(message.TryGetProperty("editedAt", out _));
        Assert.False(message.TryGetProperty("reactions", out _));
        Assert.False(message.TryGetProperty("attachments", out _));
        var reactions = raw.First(e => e.Event == "MessageReactions").Payload;
        Assert.Equal(1, reactions.GetProperty("counts").GetProperty("tada").GetInt32());
        Assert.False(reactions.TryGetProperty("mine", out _));
        // Once set, a field is there: the edit carries its time.
        var edited = raw.First(e => e.Event == "MessageEdited").Payload;
        Assert.Equal("Anpfiff! 20:45", edited.GetProperty("text").GetString());
        Assert.True(edited.TryGetProperty("editedAt", out _), edited.GetRawText());
    }

    [Fact]
    public async Task A_messagepack_client_and_a_json_client_chat_with_each_other()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob", messagePack: true);
        var (community, channel) = await SystemFixture.NewChannel(ann, bob);
        await ann.JoinChannel(community, channel);
        await bob.JoinChannel(community, channel);

        var fromAnn = await ann.Send(community, channel, "Tor! ⚽", "a1");
        var fromBob = await bob.Send(community, channel, "Was für ein Spiel", "b1");
        Assert.Equal((1L, 2L), (fromAnn.Seq, fromBob.Seq));
        await bob.WaitUntil(u => u.Shown(community, channel).Count == 2, what: "both messages over MessagePack");
        await ann.WaitUntil(u => u.Shown(community, channel).Count == 2, what: "both messages over JSON");
        Assert.Equal(["Tor! ⚽", "Was für ein Spiel"], bob.Shown(community, channel).Select(m => m.Text));
        Assert.Equal(ann.Shown(community, channel).Select(m => (m.Seq, m.MessageId, m.SentAt)), bob.Shown(community, channel).Select(m => (m.Seq, m.MessageId, m.SentAt)));
    }

    [Fact]
    public async Task Many_messages_from_several_senders_arrive_complete_and_in_seq_order()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        await using var cat = await TestUser.ConnectAsync(fixture.Url, "cat");
        var (community, channel) = await SystemFixture.NewChannel(ann, bob, cat);
        await cat.JoinChannel(community, channel);

        await Task.WhenAll(ann.Send(community, channel, "a1"), bob.Send(community, channel, "b1"), ann.Send(community, channel, "a2"),
            bob.Send(community, channel, "b2"), ann.Send(community, channel, "a3"), bob.Send(community, channel, "b3"));

        await cat.WaitUntil(u => u.Shown(community, channel).Count == 6, what: "six messages");
        var arrived = cat.Received.Where(m => m.CommunityId == community).Select(m => m.Seq).ToList();
        Assert.Equal([1L, 2, 3, 4, 5, 6], arrived);
    }

    [Fact]
    public async Task A_retried_send_is_acked_with_the_first_ack_stored_once_and_delivered_once()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        var (community, channel) = await SystemFixture.NewChannel(ann, bob);
        await bob.JoinChannel(community, channel);

        var first = await ann.Send(community, channel, "only once", "retry-me");
        var retry = await ann.Send(community, channel, "only once", "retry-me");
        Assert.Equal(first, retry);
        await ann.Send(community, channel, "marker");

        await bob.WaitUntil(u => u.Received.Any(m => m.Text == "marker"), what: "the marker");
        Assert.Single(bob.Received, m => m.Text == "only once");
        Assert.Equal(["only once", "marker"], (await History(ann, community, channel)).Messages.Select(m => m.Text));
    }

    public static TheoryData<string, string, string, string, string> BadSends => new()
    {
        // row name, community override, channel override, text, clientMessageId → code
        { "blank text", "", "", "   ", "invalid" },
        { "too long", "", "", new string('x', 2001), "too_long" },
        { "unknown community", "no-such-community", "live", "hi", "not_found" },
        { "unknown channel", "", "no-such-channel", "hi", "not_found" },
        { "bad community id", "Bad/Id", "live", "hi", "invalid" },
        { "bad channel id", "", "UPPER", "hi", "invalid" },
        { "empty client message id", "", "", "hi", "invalid-cmid-empty" },
        { "long client message id", "", "", "hi", "invalid-cmid-long" },
    };

    [Theory]
    [MemberData(nameof(BadSends))]
    public async Task A_bad_send_gets_a_stable_code_and_changes_nothing(string row, string communityOverride, string channelOverride, string text, string expected)
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, channel) = await SystemFixture.NewChannel(ann);
        await ann.Send(community, channel, "before");
        var clientMessageId = expected switch
        {
            "invalid-cmid-empty" => "",
            "invalid-cmid-long" => new string('c', 65),
            _ => Guid.NewGuid().ToString("n"),
        };

        var ex = await Assert.ThrowsAsync<HubException>(() => ann.Hub.InvokeAsync<SendAck>("SendMessage",
            communityOverride == "" ? community : communityOverride, channelOverride == "" ? channel : channelOverride, text, clientMessageId));
        Assert.Equal(expected.StartsWith("invalid", StringComparison.Ordinal) ? "invalid" : expected, SystemFixture.CodeOf(ex));
        Assert.False(string.IsNullOrWhiteSpace(row));

        var history = await History(ann, community, channel);
        Assert.Equal(["before"], history.Messages.Select(m => m.Text));
        Assert.Equal(2, (await ann.Send(community, channel, "after")).Seq);
    }

    [Fact]
    public async Task A_non_member_cannot_send_and_a_bad_join_is_refused()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var eve = await TestUser.ConnectAsync(fixture.Url, "eve");
        var (community, channel) = await SystemFixture.NewChannel(ann);

        Assert.Equal("not_member", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() => eve.Send(community, channel, "hi"))));
        Assert.Equal("invalid", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() => eve.JoinChannel(community, channel, -1))));
        Assert.Equal("not_found", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() => eve.JoinChannel(community, "nope"))));
        Assert.Equal("invalid", SystemFixture.CodeOf(await Assert.ThrowsAsync<HubException>(() => eve.JoinChannel("../etc", channel))));
        Assert.Empty((await History(ann, community, channel)).Messages);
    }

    [Fact]
    public async Task The_sixth_message_in_five_seconds_is_rate_limited()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, channel) = await SystemFixture.NewChannel(ann);
        for (var i = 0; i < 5; i++)
        {
            await ann.Send(community, channel, $"m{i}");
        }

        var ex = await Assert.ThrowsAsync<HubException>(() => ann.Send(community, channel, "too fast"));
        Assert.Equal("rate_limited", SystemFixture.CodeOf(ex));
        Assert.Equal(5, (await History(ann, community, channel)).LastSeq);
    }

    [Fact]
    public async Task A_one_megabyte_frame_never_reaches_a_grain()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var sender = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, channel) = await SystemFixture.NewChannel(ann);
        var closed = new TaskCompletionSource();
        sender.Hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };

        await Assert.ThrowsAnyAsync<Exception>(() => sender.Send(community, channel, new string('x', 1024 * 1024)));
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HubConnectionState.Disconnected, sender.Hub.State);
        Assert.Equal(0, (await History(ann, community, channel)).LastSeq);
    }

    [Fact]
    public async Task Dropped_stream_events_are_filled_from_history_so_clients_see_every_message_in_order()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        var (community, channel) = await SystemFixture.NewChannel(ann, bob);
        // The stream loses seq 2 and 3 (a gap the next message reveals) and seq 6, the last one (which only the catch-up finds).
        fixture.Drops.Drop(community, channel, 2, 3, 6);
        await bob.JoinChannel(community, channel);

        for (var i = 1; i <= 6; i++)
        {
            await (i % 2 == 0 ? bob : ann).Send(community, channel, $"m{i}");
        }

        await bob.WaitUntil(u => u.Shown(community, channel).Count == 6, TimeSpan.FromSeconds(30), "all six messages");
        var arrived = bob.Received.Where(m => m.CommunityId == community).Select(m => m.Seq).ToList();
        Assert.Equal([1L, 2, 3, 4, 5, 6], arrived);
        Assert.True(fixture.System.GatewayServices.GetRequiredService<ChannelRelay>().GapsFilled >= 3);
    }

    [Fact]
    public async Task A_client_that_reconnects_with_its_last_seq_gets_exactly_what_it_missed()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, channel) = await SystemFixture.NewChannel(ann);
        await using (var bob = await TestUser.ConnectAsync(fixture.Url, "bob"))
        {
            (await bob.PostAsync($"/api/communities/{community}/members")).EnsureSuccessStatusCode();
            await bob.JoinChannel(community, channel);
            await ann.Send(community, channel, "seen");
            await bob.WaitUntil(u => u.Shown(community, channel).Count == 1);
        }

        for (var i = 2; i <= 4; i++)
        {
            await ann.Send(community, channel, $"missed {i}");
        }

        await using var bobAgain = await TestUser.ConnectAsync(fixture.Url, "bob");
        var join = await bobAgain.JoinChannel(community, channel, afterSeq: 1);
        Assert.Equal(4, join.LastSeq);
        Assert.Equal(["missed 2", "missed 3", "missed 4"], join.Messages.Select(m => m.Text));
        Assert.False(join.HasMore);

        await ann.Send(community, channel, "live again");
        await bobAgain.WaitUntil(u => u.Shown(community, channel, afterSeq: 4).Count == 1);
        Assert.Equal("live again", bobAgain.Shown(community, channel, afterSeq: 4)[0].Text);
    }

    [Fact]
    public async Task A_join_without_afterSeq_returns_the_recent_tail()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, channel) = await SystemFixture.NewChannel(ann);
        for (var i = 1; i <= 3; i++)
        {
            await ann.Send(community, channel, $"m{i}");
        }

        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        var join = await bob.JoinChannel(community, channel);
        Assert.Equal(3, join.LastSeq);
        Assert.Equal(["m1", "m2", "m3"], join.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Presence_counts_distinct_users_online_in_the_channel()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        await using var bob = await TestUser.ConnectAsync(fixture.Url, "bob");
        await using var bobPhone = await TestUser.ConnectAsync(fixture.Url, "bob");
        var (community, channel) = await SystemFixture.NewChannel(ann);
        await ann.JoinChannel(community, channel);
        await bob.JoinChannel(community, channel);
        await bobPhone.JoinChannel(community, channel);

        await ann.WaitUntil(u => u.PresenceEvents.LastOrDefault(p => p.ChannelId == channel && p.CommunityId == community)?.Online == 2,
            what: "presence of 2");
        await bobPhone.Hub.InvokeAsync("LeaveChannel", community, channel);
        await bob.DisposeAsync();
        await ann.WaitUntil(u => u.PresenceEvents.LastOrDefault(p => p.CommunityId == community)?.Online == 1, what: "presence of 1");
    }

    [Fact]
    public async Task A_count_outlives_the_expiry_while_its_gateway_says_it_is_alive()
    {
        await using var ann = await TestUser.ConnectAsync(fixture.Url, "ann");
        var (community, channel) = await SystemFixture.NewChannel(ann);
        await ann.JoinChannel(community, channel);
        int? Online(TestUser u) => u.PresenceEvents.LastOrDefault(p => p.ChannelId == channel && p.CommunityId == community)?.Online;
        await ann.WaitUntil(u => Online(u) == 1, what: "presence of 1");

        // A gateway that never says it is alive reports 2, after this gateway's 1 was reported (once: it does not
        // change). When the silent one's count goes (expiry 3 s here), this gateway's older count has been judged by the
        // same expiry check: the total is then 1, not 0, because this gateway kept sending its heartbeat.
        var cluster = fixture.System.GatewayServices.GetRequiredService<IClusterClient>();
        var presence = cluster.ChannelPresence(new ChannelKey(community, channel));
        await presence.Report($"gw-silent-{Guid.NewGuid():n}", 2);
        await ann.WaitUntil(u => Online(u) == 3, what: "presence of 3");
        await ann.WaitUntil(u => Online(u) != 3, TimeSpan.FromSeconds(30), what: "the silent gateway's count dropped");
        Assert.Equal(1, Online(ann));
        Assert.Equal(1, await presence.GetOnline());
        var gatewayId = fixture.System.GatewayServices.GetRequiredService<ChannelRelay>().GatewayId;
        Assert.Contains(gatewayId, (await cluster.GatewayRegistry().Alive()).Gateways);
    }
}
