using CommunityScale.Gamification;
using CommunityScale.Posting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace CommunityScale.Grains.Tests.Gamification;

/// <summary>The points record a busy chatter's every gathered write stores: what its chat awards cost, and what they still allow.</summary>
[Trait("Area", "Gamification")]
public sealed class PointsLedgerTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    // Full points for every message, so each award is one point and none is capped away.
    private static readonly PointsRules Rules = PointsRules.Default with
    {
        Actions = new Dictionary<string, ActionRule> { [ActionKinds.MessageAccepted] = new(1, 10_000, 10_000) },
    };

    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private readonly MemberPointsState _state = new();

    private PointsLedger Ledger => new(new MemberKey("fans", "ann"), () => _state, () => TimeZoneInfo.Utc);

    private static ActivityEvent Chat(string channel, long seq) =>
        new(SourceIds.ChatMessage($"{Guid.NewGuid():n}"), "fans", "ann", "Ann", ActionKinds.MessageAccepted, Start.AddSeconds(seq), channel, Seq: seq);

    /// <summary>Rounds of 10 messages each, spread over three channels, as channels hand them over.</summary>
    private static void Chat(PointsLedger ledger, int messages)
    {
        for (var seq = 1L; seq <= messages; seq += 10)
        {
            var channel = $"channel-{seq % 3}";
            long[] seqs = [.. Enumerable.Range(0, 10).Select(i => seq + i)];
            ledger.Apply(ledger.NewChatEvents(channel, seqs, [.. seqs.Select(s => Chat(channel, s))]), Rules, [], [], null);
            ledger.MarkChatAwarded(channel, seqs);
        }
    }

    [Fact]
    public void A_busy_chatters_record_carries_a_few_bytes_per_chat_award_of_the_take_back_window()
    {
        var ledger = Ledger;
        Chat(ledger, 1_000);

        Assert.Equal(1_000, _state.Points);
        Assert.Equal(MemberPointsGrain.RecentChatAwards, _state.ChatChannels.Sum(c => c.Awards.Count));
        Assert.Empty(_state.Recent);
        // A source record per message (its id, week and channel as strings) took ≈ 75 bytes each: 200 of them ≈ 15 KB.
        var bytes = Serializer.SerializeToArray(_state).Length;
        Assert.True(bytes <= 16 * MemberPointsGrain.RecentChatAwards + 512, $"the record is {bytes} bytes");
    }

    [Fact]
    public void A_removal_takes_back_a_chat_award_of_the_window_once_and_an_older_one_keeps_its_point()
    {
        var ledger = Ledger;
        Chat(ledger, 300);

        // Seqs 291-300 came in channel-0's round, seq 1 in channel-1's, long out of the window.
        var last = ledger.TakeBack("any", new ChatSource("channel-0", 300));
        Assert.Equal((1, "2026-W49", "channel-0"), (last?.Points, last?.Week, last?.ChannelId));
        Assert.Null(ledger.TakeBack("any", new ChatSource("channel-0", 300)));
        Assert.False(ledger.CanTakeBack("any", new ChatSource("channel-0", 300)));
        Assert.False(ledger.CanTakeBack("any", new ChatSource("channel-1", 1)));
        Assert.Null(ledger.TakeBack("any", new ChatSource("channel-1", 1)));
        Assert.Equal((299, 299), (_state.Points, _state.ChannelPoints.Values.Sum()));

        // A round handed over again earns nothing (the channel's seq mark), the taken-back message included.
        long[] again = [291, 292, 293, 294, 295, 296, 297, 298, 299, 300];
        var batch = ledger.Apply(ledger.NewChatEvents("channel-0", again, [.. again.Select(s => Chat("channel-0", s))]), Rules, [], [], null);
        Assert.Empty(batch.Awarded);
        Assert.Equal(299, _state.Points);
    }

    [Fact]
    public void Chat_awards_and_marks_kept_the_way_they_were_before_still_count()
    {
        _state.Recent.AddRange([.. Enumerable.Range(1, 5).Select(i => new AwardRecord(SourceIds.ChatMessage($"old-{i}"), 1, "2026-W48", ChannelId: "channel-0"))]);
        _state.ChatAwardedThrough.Add(new("channel-0", 5));
        (_state.Points, _state.ChannelPoints["channel-0"]) = (5, 5);
        var ledger = Ledger;

        // The old mark still recognises a round handed over again; once the channel is marked anew, it moves into its entry.
        Assert.Equal([6L], ledger.NewChatEvents("channel-0", [5, 6], [Chat("channel-0", 5), Chat("channel-0", 6)]).Select(e => e.Seq));
        ledger.MarkChatAwarded("channel-0", [5]);
        Assert.Empty(_state.ChatAwardedThrough);
        Assert.Equal(5, Assert.Single(_state.ChatChannels).AwardedThrough);

        Assert.True(ledger.CanTakeBack(SourceIds.ChatMessage("old-5"), new ChatSource("channel-0", 5)));
        Assert.Equal(1, ledger.TakeBack(SourceIds.ChatMessage("old-5"), new ChatSource("channel-0", 5))?.Points);
        Assert.Equal(4, _state.Points);

        Chat(ledger, MemberPointsGrain.RecentChatAwards);
        Assert.Empty(_state.Recent);
        Assert.Equal(MemberPointsGrain.RecentChatAwards, _state.ChatChannels.Sum(c => c.Awards.Count));
    }
}
