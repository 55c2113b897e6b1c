using CommunityScale.Chat;
using CommunityScale.Options;
using CommunityScale.Sentiment;
using Microsoft.Extensions.Logging.Abstractions;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// The award rounds of a channel, driven directly against the shared cluster's points grains. The channel's outbox waits
/// for the round in flight before it delivers a removal's follow-ups (so a take-back never overtakes its award), so a
/// round that faults holds those follow-ups back: the restore archive never got a message removed at the wrong moment.
/// </summary>
[Collection(SharedCluster.Name)]
[Trait("Area", "Chat")]
public sealed class ChannelAwardsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_message_removed_while_its_round_waits_for_the_interval_leaves_the_rounds_healthy()
    {
        var key = new ChannelKey($"aw-{Guid.NewGuid():n}", "general");
        var state = new ChannelState();
        var options = new ChatOptions { AwardRoundInterval = TimeSpan.FromSeconds(5) };
        var awards = new ChannelAwards(fixture.Client, key, () => state, () => [], new SentimentScorer(new NoSentiment(), NullLogger<SentimentScorer>.Instance),
            options, TimeProvider.System, NullLogger.Instance);

        // The first message's round starts at once (no round before it) and ends long before the interval does.
        awards.Add([Message(key, 1)]);
        await awards.InFlight.WaitAsync(TimeSpan.FromSeconds(30));

        // The second waits out the rest of the interval; a moderator removes it meanwhile.
        awards.Add([Message(key, 2)]);
        Assert.True(awards.Withdraw(2));

        await awards.InFlight.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(awards.InFlight.IsCompletedSuccessfully);
    }

    private static ChatMessage Message(ChannelKey key, long seq) =>
        new(key.CommunityId, key.ChannelId, seq, Guid.NewGuid().ToString("n"), "fan", "Fan", $"message {seq}", DateTimeOffset.UtcNow, $"c{seq}");

    private sealed class NoSentiment : ISentimentClassifier
    {
        public SentimentResult Score(string text) => new("neutral", 1, "en");
    }
}
