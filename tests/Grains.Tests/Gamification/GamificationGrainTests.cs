using Stopwatch = System.Diagnostics.Stopwatch;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Posting;
using Xunit.Abstractions;

namespace CommunityScale.Grains.Tests.Gamification;

[Collection(SharedCluster.Name)]
[Trait("Area", "Gamification")]
public sealed class GamificationGrainTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly Actor Owner = new("owner", "Owner");
    private static readonly Actor Ann = new("ann", "Ann");
    private static readonly Actor Bob = new("bob", "Bob");

    private IGrainFactory Grains => fixture.Client;

    private async Task<string> NewCommunity()
    {
        var community = $"gm-{Guid.NewGuid():n}";
        await Grains.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        await Grains.GetGrain<ICommunityGrain>(community).Join(Ann);
        await Grains.GetGrain<ICommunityGrain>(community).Join(Bob);
        return community;
    }

    /// <summary>A community with a "live" channel, and Ann's points grain there.</summary>
    private async Task<(string Community, IChannelGrain Channel, IMemberPointsGrain AnnsPoints)> NewChannelWithAnnsPoints()
    {
        var community = await NewCommunity();
        await Grains.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, Owner);
        return (community, Grains.GetGrain<IChannelGrain>(new ChannelKey(community, "live").ToString()),
            Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, "ann")));
    }

    private static ActivityEvent Message(string community, Actor who, string source, DateTimeOffset at) =>
        new(source, community, who.UserId, who.DisplayName, ActionKinds.MessageAccepted, at, "live");

    [Fact]
    public async Task Accepted_chat_messages_earn_points_asynchronously_and_a_moderators_removal_takes_them_back()
    {
        var (community, channel, points) = await NewChannelWithAnnsPoints();
        await channel.Send(new SendMessageCommand("ann", "Ann", "first", "a1"));
        var second = await channel.Send(new SendMessageCommand("ann", "Ann", "second", "a2"));
        await Eventually(async () => (await points.GetProfile()).Points == 2);

        await channel.RemoveMessage(second.Seq, "spam", Owner);
        await Eventually(async () => (await points.GetProfile()).Points == 1);
        // The boards follow within Points:BoardDelay (the silo gathers its points grains' totals).
        await Eventually(async () => (await Grains.GetGrain<ILeaderboardGrain>($"{community}/all").Page(0, 10)).Entries is [{ Points: 1 }]);
        var board = await Grains.GetGrain<ILeaderboardGrain>($"{community}/all").Page(0, 10);
        Assert.Equal([("ann", 1L, 1L)], board.Entries.Select(e => (e.UserId, e.Points, e.Rank)));
    }

    [Fact]
    public async Task A_message_removed_while_it_waits_for_its_award_round_earns_nothing_and_the_round_scores_the_rest()
    {
        var (community, channel, points) = await NewChannelWithAnnsPoints();
        await channel.Send(new SendMessageCommand("ann", "Ann", "first", "r1"));
        await Eventually(async () => (await points.GetProfile()).Points == 1);

        // The next round is at most one per second: "second" waits for it, and is removed meanwhile (or, on a slow
        // machine, just after it: then its points are taken back after the round). Either way it ends with nothing.
        var second = await channel.Send(new SendMessageCommand("ann", "Ann", "second", "r2"));
        await channel.RemoveMessage(second.Seq, "spam", Owner);
        await channel.Send(new SendMessageCommand("ann", "Ann", "third", "r3"));

        await Eventually(async () => (await points.GetProfile()).Points == 2);
        // The boards hear once the awards are stored (within Points:WriteDelay), not before.
        await Eventually(async () => (await Grains.GetGrain<ILeaderboardGrain>($"{community}/all").Page(0, 10)).Entries is [{ Points: 2 }]);
        var board = await Grains.GetGrain<ILeaderboardGrain>($"{community}/all").Page(0, 10);
        Assert.Equal([("ann", 2L, 1L)], board.Entries.Select(e => (e.UserId, e.Points, e.Rank)));
    }

    [Fact]
    public async Task Rounds_from_several_channels_are_gathered_into_one_write_counted_for_trust_once_and_kept_across_a_deactivation()
    {
        var community = await NewCommunity();
        var points = Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, "ann"));
        var at = DateTimeOffset.UtcNow;
        ActivityEvent Chat(string channel, long seq) =>
            new(SourceIds.ChatMessage($"{channel}-{seq}"), community, "ann", "Ann", ActionKinds.MessageAccepted, at, channel);

        // Three channels hand over at once; each call is answered once the write that carries it is done.
        string[] channels = ["a", "b", "c"];
        await Task.WhenAll(channels.Select(channel =>
            points.AwardMessages(channel, [1, 2], at, ModerationPolicy.DefaultTrustLevels, [Chat(channel, 1), Chat(channel, 2)])));
        Assert.Equal(6, (await points.GetProfile()).Points);
        Assert.Equal(6, (await Grains.Member(community, "ann").Get())!.AcceptedMessages);

        // A round handed over again (a channel restarted before its cursor was stored) earns and counts nothing twice.
        await points.AwardMessages("a", [1, 2], at, ModerationPolicy.DefaultTrustLevels, [Chat("a", 1), Chat("a", 2)]);
        Assert.Equal(6, (await points.GetProfile()).Points);
        Assert.Equal(6, (await Grains.Member(community, "ann").Get())!.AcceptedMessages);

        // The same round twice at once (the call interleaves, so both are in the grain together): applied in turn, once,
        // and counted for trust once although both are in one gathered write.
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => points.AwardMessages("e", [1], at, ModerationPolicy.DefaultTrustLevels, [Chat("e", 1)])));
        Assert.Equal(7, (await points.GetProfile()).Points);
        Assert.Equal(7, (await Grains.Member(community, "ann").Get())!.AcceptedMessages);

        // Deactivated while a write gathers: what was applied is stored on the way out, and the waiting call is answered.
        var award = points.AwardMessages("d", [1], at, ModerationPolicy.DefaultTrustLevels, [Chat("d", 1)]);
        await fixture.Cluster.DeactivateAsync(points);
        await award.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(8, (await points.GetProfile()).Points);
        await Eventually(async () => (await Grains.Member(community, "ann").Get())!.AcceptedMessages == 8);
    }

    [Fact]
    public async Task A_channels_round_handed_over_again_earns_nothing_and_only_recent_chat_awards_can_be_taken_back()
    {
        var community = await NewCommunity();
        var points = Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, "ann"));
        // One message a day, so that each earns its full point (no daily cap in the way).
        var day1 = new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
        ActivityEvent Chat(long seq) => new(SourceIds.ChatMessage($"m{seq}"), community, "ann", "Ann", ActionKinds.MessageAccepted, day1.AddDays(seq), "a", Seq: seq);
        Task Round(long from, long to)
        {
            long[] seqs = [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => (long)i)];
            return points.AwardMessages("a", seqs, day1.AddDays(to), ModerationPolicy.DefaultTrustLevels, [.. seqs.Select(Chat)]);
        }

        for (var from = 1L; from <= 250; from += 50)
        {
            await Round(from, from + 49);
        }

        Assert.Equal(250, (await points.GetProfile()).Points);

        // The first round again, long after its source ids left the recent sources: the channel's seq mark knows it.
        await Round(1, 50);
        Assert.Equal(250, (await points.GetProfile()).Points);

        // A removal takes back a recent message's point; one older than the last RecentChatAwards (200) keeps it.
        await points.TakeBackChat("a", 250, SourceIds.ChatMessage("m250"));
        await points.TakeBackChat("a", 1, SourceIds.ChatMessage("m1"));
        Assert.Equal(249, (await points.GetProfile()).Points);
    }

    [Fact]
    public async Task Replaying_the_same_events_awards_nothing_twice_and_caps_and_diminishing_apply_per_day()
    {
        var community = await NewCommunity();
        await Grains.GetGrain<IPointsRulesGrain>(community).Update(
            new PointsRulesUpdate(new Dictionary<string, ActionRule> { [ActionKinds.MessageAccepted] = new(4, 2, 4) }, [10, 20]), Owner);
        var points = Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, "ann"));
        var day1 = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        ActivityEvent[] events = [.. Enumerable.Range(1, 6).Select(i => Message(community, Ann, $"s{i}", day1.AddMinutes(i)))];

        await points.Record(events);
        Assert.Equal(4 + 4 + 2 + 1, (await points.GetProfile()).Points);
        await points.Record(events);
        await points.Record([events[0], events[3]]);
        Assert.Equal(11, (await points.GetProfile()).Points);

        await points.Record([Message(community, Ann, "next-day", day1.AddDays(1))]);
        var profile = await points.GetProfile();
        Assert.Equal((15L, 1, 20L), (profile.Points, profile.Level, profile.NextLevelAt));
        var notices = (await Grains.GetGrain<INotificationInboxGrain>("ann").List(null, 200)).Items;
        Assert.Contains(notices, n => n.CommunityId == community && n.Kind == NotificationKinds.LevelUp && n.Text.Contains("level 1", StringComparison.Ordinal));

        await points.TakeBack("s1");
        await points.TakeBack("s1");
        Assert.Equal(11, (await points.GetProfile()).Points);
    }

    [Fact]
    public async Task A_streak_counts_days_in_the_members_time_zone_and_badges_are_given_once_with_a_notice()
    {
        var community = await NewCommunity();
        var ann = Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, "ann"));
        var bob = Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, "bob"));
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() => ann.SetTimeZone("Mars/Olympus_Mons"))).Code);
        await ann.SetTimeZone("Europe/Berlin");
        // 23:30 and 00:30 UTC on consecutive UTC days are the same day in Berlin (00:30 and 01:30 on the 24th).
        var late = new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero);
        ActivityEvent[] Both(Actor who) => [Message(community, who, $"{who.UserId}-1", late), Message(community, who, $"{who.UserId}-2", late.AddHours(1))];
        await ann.Record(Both(Ann));
        await bob.Record(Both(Bob));
        var annProfile = await ann.GetProfile();
        var bobProfile = await bob.GetProfile();
        Assert.Equal(("Europe/Berlin", 1), (annProfile.TimeZone, annProfile.BestStreak));
        Assert.Equal(("UTC", 2), (bobProfile.TimeZone, bobProfile.BestStreak));

        await ann.Record([.. Enumerable.Range(3, 10).Select(i => Message(community, Ann, $"ann-{i}", late.AddHours(2)))]);
        await ann.Record([Message(community, Ann, "ann-3", late.AddHours(2))]);
        var badges = (await ann.GetProfile()).Badges!;
        Assert.Equal([("first_message", BadgeTier.Bronze), ("messages", BadgeTier.Bronze)], badges.Select(b => (b.Id, b.Tier)));
        Assert.Equal(late, badges[0].At);
        var notices = (await Grains.GetGrain<INotificationInboxGrain>("ann").List(null, 200)).Items.Where(n => n.CommunityId == community && n.Kind == NotificationKinds.BadgeEarned);
        Assert.Equal(2, notices.Count());
    }

    [Fact]
    public async Task Reacting_to_your_own_content_earns_nothing_and_a_reaction_ring_is_dampened()
    {
        var community = await NewCommunity();
        var ann = Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, "ann"));
        var at = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        ActivityEvent Reaction(string source, string reactor) => new(source, community, "ann", "Ann", ActionKinds.ReactionReceived, at, "live", reactor);

        await ann.Record([Reaction("self-1", "ann"), Reaction("self-2", "ann")]);
        Assert.Equal(0, (await ann.GetProfile()).Points);
        await ann.Record([.. Enumerable.Range(0, 12).Select(i => Reaction($"bob-{i}", "bob"))]);
        // Bob's first 5 count fully; from the 6th he gives half of Ann's recent reactions, and the points halve each time.
        Assert.Equal(5, (await ann.GetProfile()).Points);
        await ann.Record([Reaction("cid-1", "cid")]);
        Assert.Equal(6, (await ann.GetProfile()).Points);
    }

    [Fact]
    public async Task A_challenge_counts_matching_actions_inside_its_window_and_pays_its_bonus_once()
    {
        var community = await NewCommunity();
        var challenges = Grains.GetGrain<IChallengesGrain>(community);
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var week = new Challenge("talk-3", "Say three things this week", ActionKinds.MessageAccepted, 3, start, start.AddDays(7), 25);
        Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() => challenges.Create(week, Ann))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() => challenges.Create(week with { EndsAt = start }, Owner))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() => challenges.Create(week with { Kind = "dancing" }, Owner))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() => challenges.Create(week with { Target = 0 }, Owner))).Code);
        await challenges.Create(week, Owner);
        Assert.Equal(ErrorCodes.AlreadyExists, (await Assert.ThrowsAsync<CommunityException>(() => challenges.Create(week, Owner))).Code);

        var ann = Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, "ann"));
        await ann.Record([Message(community, Ann, "before", start.AddHours(-1)), Message(community, Ann, "in-1", start.AddHours(1))]);
        var halfway = Assert.Single((await ann.GetProfile()).Challenges!);
        Assert.Equal((1, 3, (DateTimeOffset?)null), (halfway.Progress, halfway.Target, halfway.CompletedAt));

        await ann.Record([Message(community, Ann, "in-2", start.AddHours(2)), Message(community, Ann, "in-3", start.AddHours(3)), Message(community, Ann, "in-4", start.AddHours(4))]);
        var profile = await ann.GetProfile();
        var done = Assert.Single(profile.Challenges!);
        Assert.Equal((3, start.AddHours(3)), (done.Progress, done.CompletedAt));
        Assert.Equal(5 + 25, profile.Points);
        Assert.Contains((await Grains.GetGrain<INotificationInboxGrain>("ann").List(null, 200)).Items,
            n => n.CommunityId == community && n.Kind == NotificationKinds.ChallengeCompleted);
    }

    [Fact]
    public async Task Weekly_boards_start_empty_each_iso_week_while_all_time_and_channel_boards_keep_adding_up()
    {
        var community = await NewCommunity();
        var sunday = new DateTimeOffset(2026, 11, 29, 23, 0, 0, TimeSpan.Zero);
        var ann = Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, "ann"));
        var bob = Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, "bob"));
        await ann.Record([Message(community, Ann, "a1", sunday), Message(community, Ann, "a2", sunday.AddMinutes(1))]);
        await bob.Record([Message(community, Bob, "b1", sunday.AddHours(2)) with { ChannelId = "other" }]);
        await ann.Record([Message(community, Ann, "a3", sunday.AddHours(3))]);

        async Task<string[]> Board(string board) => [.. (await Grains.GetGrain<ILeaderboardGrain>($"{community}/{board}").Page(0, 10)).Entries.Select(e => $"{e.UserId}:{e.Points}")];
        // The boards follow within Points:BoardDelay (the silo gathers its points grains' totals).
        async Task Shows(string board, string[] expected) => await Eventually(async () => (await Board(board)).SequenceEqual(expected));
        await Shows("2026-W48", ["ann:2"]);
        await Shows("2026-W49", ["ann:1", "bob:1"]);
        await Shows(Leaderboards.AllTime, ["ann:3", "bob:1"]);
        await Shows(Leaderboards.ForChannel("live"), ["ann:3"]);
        await Shows(Leaderboards.ForChannel("other"), ["bob:1"]);

        await ann.TakeBack("a1");
        await Shows(Leaderboards.ForChannel("live"), ["ann:2"]);
        await Shows(Leaderboards.AllTime, ["ann:2", "bob:1"]);
        Assert.Equal(["ann:2"], await Board("2026-W48")); // a past week's board is final
    }

    [Fact]
    public async Task Only_admins_change_the_rules_and_bad_rules_change_nothing()
    {
        var community = await NewCommunity();
        var rules = Grains.GetGrain<IPointsRulesGrain>(community);
        Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() => rules.Update(new PointsRulesUpdate(null, [1, 2]), Ann))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() =>
            rules.Update(new PointsRulesUpdate(new Dictionary<string, ActionRule> { ["telepathy"] = new(1, 1, 1) }, null), Owner))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() =>
            rules.Update(new PointsRulesUpdate(new Dictionary<string, ActionRule> { [ActionKinds.Reply] = new(-5, 1, 1) }, null), Owner))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() => rules.Update(new PointsRulesUpdate(null, [50, 10]), Owner))).Code);
        var unchanged = await rules.Get();
        Assert.Equal(0, unchanged.Version);
        Assert.Equal(PointsRules.Default.LevelThresholds, unchanged.LevelThresholds);
        Assert.Equal(PointsRules.Default.Actions.OrderBy(a => a.Key), unchanged.Actions.OrderBy(a => a.Key));

        var changed = await rules.Update(new PointsRulesUpdate(new Dictionary<string, ActionRule> { [ActionKinds.Reply] = new(3, 5, 10) }, null), Owner);
        Assert.Equal((1L, 3), (changed.Version, changed.Actions[ActionKinds.Reply].Points));
        Assert.Equal(PointsRules.Default.Actions[ActionKinds.MessageAccepted], changed.Actions[ActionKinds.MessageAccepted]);
    }

    [Fact]
    public async Task A_sharded_board_of_100000_members_gives_the_same_top_100_and_ranks_as_a_brute_force_sort()
    {
        var community = $"lb-{Guid.NewGuid():n}";
        var random = new Random(20261123);
        var totals = new Dictionary<string, long>();
        var clock = Stopwatch.StartNew();
        var writes = 0;
        for (var batch = 0; batch < 100_000; batch += 2_000)
        {
            await Task.WhenAll(Enumerable.Range(batch, 2_000).Select(i =>
            {
                var user = $"m{i}";
                var points = (long)random.Next(0, 50_000);
                totals[user] = points;
                writes++;
                return Leaderboards.Shard(Grains, community, Leaderboards.AllTime, user).SetMany([new LeaderboardEntry(0, user, user, points)]);
            }).ToArray());
        }

        // Random further awards to a tenth of them: totals only ever replace.
        for (var i = 0; i < 10_000; i++)
        {
            var user = $"m{random.Next(100_000)}";
            totals[user] += random.Next(1, 500);
            writes++;
            await Leaderboards.Shard(Grains, community, Leaderboards.AllTime, user).SetMany([new LeaderboardEntry(0, user, user, totals[user])]);
        }

        var writeSeconds = clock.Elapsed.TotalSeconds;
        var reference = totals.Select(t => new LeaderboardEntry(0, t.Key, t.Key, t.Value)).ToList();
        reference.Sort(Leaderboards.Compare);
        var board = Grains.GetGrain<ILeaderboardGrain>($"{community}/all");
        clock.Restart();
        var top = await board.Page(0, 100);
        var readMs = clock.Elapsed.TotalMilliseconds;
        Assert.Equal(100_000, top.Members);
        Assert.Equal(reference.Take(100).Select(e => (e.UserId, e.Points)), top.Entries.Select(e => (e.UserId, e.Points)));
        Assert.Equal(Enumerable.Range(1, 100).Select(r => (long)r), top.Entries.Select(e => e.Rank));
        Assert.Equal(reference.Skip(100).Take(50).Select(e => e.UserId), (await board.Page(100, 50)).Entries.Select(e => e.UserId));
        foreach (var probe in new[] { 0, 1, 99, 4_321, 99_999 })
        {
            var me = await board.Me(reference[probe].UserId);
            Assert.Equal(probe + 1, me!.Rank);
        }

        Assert.Null(await board.Me("nobody"));
        output.WriteLine($"{writes} board writes in {writeSeconds:0.0} s ({writes / writeSeconds:0}/s); top-100 read in {readMs:0.0} ms (in-process test cluster)");
    }

    [Fact]
    public async Task A_shard_takes_several_totals_at_once_and_a_total_sent_before_an_erasure_never_brings_the_member_back()
    {
        var community = $"lb-{Guid.NewGuid():n}";
        var shard = Grains.LeaderboardShard(new BoardKey(community, Leaderboards.AllTime).Shard(0));
        await shard.SetMany([new LeaderboardEntry(0, "ann", "Ann", 5), new LeaderboardEntry(0, "bob", "Bob", 7), new LeaderboardEntry(0, "ann", "Ann", 9)]);
        Assert.Equal([("ann", 9L), ("bob", 7L)], (await shard.Top(10)).Select(e => (e.UserId, e.Points)));

        // The erasure removes Ann; a total gathered on a silo before it (BoardUpdates) arrives after.
        await shard.Remove("ann");
        await shard.SetMany([new LeaderboardEntry(0, "ann", "Ann", 10), new LeaderboardEntry(0, "bob", "Bob", 8)]);
        await shard.SetMany([new LeaderboardEntry(0, "ann", "Ann", 11)]);
        Assert.Equal([("bob", 8L)], (await shard.Top(10)).Select(e => (e.UserId, e.Points)));
        Assert.Equal(1, await shard.Count());
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 10 s");
            await Task.Delay(50);
        }
    }
}
