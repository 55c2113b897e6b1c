using CommunityScale.Chat;
using CommunityScale.Communities;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// The channel's single writer: a moderator's changes (slow mode, removals) and members' reactions interleave with a
/// burst of sends in a reentrant grain, and every one of them is stored by the same loop, so no write ever meets
/// another's ETag. It runs on the clocked cluster, whose storage checks versions after a round trip's delay, as Azure Table
/// and Redis do.
/// </summary>
[Collection(ClockedCluster.Name)]
[Trait("Area", "Chat")]
public sealed class ChannelWriterTests(ClockedClusterFixture fixture)
{
    private const int Senders = 150;

    [Fact]
    public async Task A_moderators_writes_interleaved_with_a_burst_conflict_with_none_and_all_are_stored()
    {
        var community = $"w-{Guid.NewGuid():n}";
        var owner = new Actor("owner", "Owner");
        var communityGrain = fixture.Client.GetGrain<ICommunityGrain>(community);
        await communityGrain.Create("Writers", owner);
        for (var i = 0; i < Senders; i++)
        {
            await communityGrain.Join(new Actor($"fan-{i}", $"Fan {i}"));
        }

        await communityGrain.CreateChannel("hot", "Hot", null, owner);
        var channel = fixture.Client.Channel(new ChannelKey(community, "hot"));
        var first = await channel.Send(new SendMessageCommand("fan-0", "Fan 0", "kick-off", "first"));

        // Each fan sends once (slow mode limits a second message, not a first); meanwhile moderators change slow mode
        // twenty times at once, and the owner reacts and then removes the first message.
        var sends = Enumerable.Range(1, Senders - 1).Select(i => channel.Send(new SendMessageCommand($"fan-{i}", $"Fan {i}", $"goal {i}", $"m{i}"))).ToList();
        var slowModes = Enumerable.Range(1, 20).Select(seconds => channel.SetSlowMode(seconds, owner)).ToList();
        var owners = Task.Run(async () =>
        {
            await channel.React(first.Seq, "+1", true, owner);
            await channel.React(first.Seq, "+1", false, owner);
            await channel.RemoveMessage(first.Seq, "test", owner);
        });
        var acks = await Task.WhenAll(sends);
        await Task.WhenAll(slowModes);
        await owners;
        var slowMode = await channel.GetSlowMode();
        Assert.InRange(slowMode, 1, 20);

        Assert.Equal(Enumerable.Range(2, Senders - 1).Select(i => (long)i), acks.Select(a => a.Seq).Order());
        // What a fresh activation reads is what was stored: every message, the removal and the last slow mode.
        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var history = await channel.GetHistory(0, 200);
        Assert.Equal(Senders, history.Messages.Count);
        Assert.True(history.Messages[0].Removed);
        Assert.Equal(acks.OrderBy(a => a.Seq).Select(a => a.MessageId), history.Messages.Skip(1).Select(m => m.MessageId));
        Assert.Equal(slowMode, await channel.GetSlowMode());
        Assert.Contains(fixture.Storage.Find(community), r => r.StartsWith("channel@", StringComparison.Ordinal));
    }
}
