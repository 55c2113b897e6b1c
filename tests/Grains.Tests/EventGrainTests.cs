using System.Diagnostics;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Events;
using Xunit.Abstractions;

namespace CommunityScale.Grains.Tests;

[Collection(SharedCluster.Name)]
[Trait("Area", "Events")]
public sealed class EventGrainTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly Actor Owner = new("owner", "Owner");

    [Fact]
    public async Task Two_thousand_members_upvoting_one_question_at_once_count_exactly_once_each()
    {
        var community = $"e-{Guid.NewGuid():n}";
        var client = fixture.Client;
        await client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        var voters = Enumerable.Range(0, 2_000).Select(i => new Actor($"fan-{i}", $"Fan {i}")).ToList();
        foreach (var chunk in voters.Chunk(200))
        {
            await Task.WhenAll(chunk.Select(v => client.GetGrain<ICommunityGrain>(community).Join(v)));
        }

        var now = DateTimeOffset.UtcNow;
        await client.GetGrain<IEventGrain>($"{community}/day").Create(new NewEvent("day", "Day", null, now.AddHours(-1), now.AddHours(2), 100,
            [new NewSession("qa", "Q&A", null, null, now.AddMinutes(-10), now.AddHours(1))]), Owner);
        var board = client.GetGrain<IQuestionBoardGrain>($"{community}/day/qa");
        var question = await board.Ask("What is next season's kit?", voters[0]);
        var grain = client.GetGrain<IQuestionGrain>($"{community}/day/qa/{question.Id}");

        var watch = Stopwatch.StartNew();
        var counts = await Task.WhenAll(voters.Concat(voters.Take(500)).Select(v => grain.Upvote(v)));
        watch.Stop();
        output.WriteLine($"{counts.Length} upvotes (2,000 distinct) in {watch.ElapsedMilliseconds} ms: {counts.Length / watch.Elapsed.TotalSeconds:0} votes/s in-process");

        Assert.Equal(2_000, await grain.GetVotes());
        Assert.Equal(2_000, counts.Max());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await board.List(Owner))[0].Votes != 2_000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        Assert.Equal(2_000, (await board.List(Owner))[0].Votes);
        await fixture.Cluster.DeactivateAsync(board);
        Assert.Equal(2_000, (await board.List(Owner))[0].Votes);
        Assert.Equal(ErrorCodes.NotMember, (await Assert.ThrowsAsync<CommunityException>(() => grain.Upvote(new Actor("stranger", "S")))).Code);
    }

    [Fact]
    public async Task Check_in_outside_the_window_and_bad_agendas_are_refused_with_reasons()
    {
        var (client, community, ann) = await CommunityWithAnn();
        var now = DateTimeOffset.UtcNow;
        var later = client.GetGrain<IEventGrain>($"{community}/later");
        await later.Create(new NewEvent("later", "Later", null, now.AddDays(2), now.AddDays(2).AddHours(3), 10, null), Owner);
        Assert.Equal(RsvpStatus.Going, (await later.Rsvp(ann)).Status);
        var refused = await Assert.ThrowsAsync<CommunityException>(() => later.CheckIn(ann));
        Assert.Equal(ErrorCodes.Invalid, refused.Code);
        Assert.Contains("while the event runs", refused.Reason, StringComparison.Ordinal);

        Assert.Equal(ErrorCodes.Forbidden, (await Assert.ThrowsAsync<CommunityException>(() =>
            client.GetGrain<IEventGrain>($"{community}/x").Create(new NewEvent("x", "X", null, now, now.AddHours(1), 10, null), ann))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() =>
            client.GetGrain<IEventGrain>($"{community}/y").Create(new NewEvent("y", "Y", null, now, now.AddHours(1), 10,
                [new NewSession("s", "S", null, null, now.AddHours(-1), now)]), Owner))).Code);
        Assert.Equal(ErrorCodes.Invalid, (await Assert.ThrowsAsync<CommunityException>(() =>
            client.GetGrain<IEventGrain>($"{community}/z").Create(new NewEvent("z", "Z", null, now, now.AddHours(1), 0, null), Owner))).Code);
    }

    [Fact]
    public async Task A_member_banned_after_their_rsvp_can_neither_check_in_nor_answer_the_survey()
    {
        var (client, community, ann) = await CommunityWithAnn();
        var now = DateTimeOffset.UtcNow;
        var day = client.GetGrain<IEventGrain>($"{community}/day");
        await day.Create(new NewEvent("day", "Day", null, now.AddHours(-1), now.AddHours(2), 10, null), Owner);
        Assert.Equal(RsvpStatus.Going, (await day.Rsvp(ann)).Status);

        await client.GetGrain<CommunityScale.Moderation.ICommunityModerationGrain>(community).Ban(ann.UserId, "abuse", Owner);
        Assert.Equal(ErrorCodes.Banned, (await Assert.ThrowsAsync<CommunityException>(() => day.CheckIn(ann))).Code);
        Assert.Equal(ErrorCodes.Banned, (await Assert.ThrowsAsync<CommunityException>(() =>
            client.GetGrain<ISurveyGrain>($"{community}/day").Answer(new SurveyAnswer(5, 10, null), ann))).Code);
        Assert.False((await day.GetRsvp(ann.UserId)).CheckedIn);
    }

    [Fact]
    public async Task A_members_first_ballot_in_a_poll_earns_poll_vote_once_however_often_they_change_it()
    {
        var (client, community, ann) = await CommunityWithAnn();
        var now = DateTimeOffset.UtcNow;
        await client.GetGrain<IEventGrain>($"{community}/day").Create(new NewEvent("day", "Day", null, now.AddHours(-1), now.AddHours(2), 10,
            [new NewSession("talk", "Talk", null, null, now.AddMinutes(-10), now.AddHours(1))]), Owner);
        var poll = client.GetGrain<IPollGrain>($"{community}/day/talk/p1");
        await poll.Create(new NewPoll("Best goal?", ["First", "Second"], false), Owner);

        await poll.Vote([0], ann);
        await poll.Vote([1], ann);
        var points = client.GetGrain<CommunityScale.Gamification.IMemberPointsGrain>(MemberKey.For(community, ann.UserId));
        await TestSupport.Responses.Eventually(async () => (await points.GetProfile()).Points == 1, "the poll_vote point");
        await poll.Vote([0], ann);
        Assert.Equal(1, (await poll.Get()).Voters);
        Assert.Equal(1, (await points.GetProfile()).Points);
    }

    /// <summary>A new community owned by <see cref="Owner"/> with Ann as a member.</summary>
    private async Task<(IClusterClient Client, string Community, Actor Ann)> CommunityWithAnn()
    {
        var community = $"e-{Guid.NewGuid():n}";
        var ann = new Actor("ann", "Ann");
        await fixture.Client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        await fixture.Client.GetGrain<ICommunityGrain>(community).Join(ann);
        return (fixture.Client, community, ann);
    }
}
