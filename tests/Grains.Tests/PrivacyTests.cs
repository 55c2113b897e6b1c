using CommunityScale.Access;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Events;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Privacy;
using CommunityScale.TestSupport;
using CommunityScale.Threads;
using static CommunityScale.Grains.Tests.GrainAsserts;

namespace CommunityScale.Grains.Tests;

/// <summary>Consent, export, erasure and retention, with a member who did a bit of everything.</summary>
[Collection(ClockedCluster.Name)]
[Trait("Area", "Privacy")]
public sealed class PrivacyTests(ClockedClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Client;

    [Fact]
    public async Task Export_holds_all_a_member_did_and_after_erasure_no_store_holds_their_id_name_or_words()
    {
        using var frozen = fixture.Clock.Freeze();
        var tag = Guid.NewGuid().ToString("n")[..10];
        var community = $"p-{tag}";
        var (owner, erin, finn) = (new Actor($"o{tag}", "Olga"), new Actor($"erin{tag}", $"Erin Q{tag}"), new Actor($"finn{tag}", "Finn"));
        var communityGrain = Grains.GetGrain<ICommunityGrain>(community);
        await communityGrain.Create("Privacy", owner);
        await Grains.GetGrain<IModerationPolicyGrain>(community).PublishGuidelines("Be kind; no spam.", owner);
        await AssertRefused(ErrorCodes.ConsentRequired, () => communityGrain.Join(erin));
        await communityGrain.Join(erin, new ConsentGiven(1, Marketing: true));
        await communityGrain.Join(finn, new ConsentGiven(1));
        await communityGrain.CreateChannel("live", "Live", null, owner);

        // Chat: twelve messages each (pages of 10, so most are sealed), a reaction each way.
        var live = Grains.GetGrain<IChannelGrain>(new ChannelKey(community, "live").ToString());
        var erinSeqs = new List<long>();
        long finnFirst = 0;
        for (var i = 0; i < 12; i++)
        {
            erinSeqs.Add((await live.Send(new SendMessageCommand(erin.UserId, erin.DisplayName, $"erin-said-{tag} number {i}", $"e{i}"))).Seq);
            var finnSeq = (await live.Send(new SendMessageCommand(finn.UserId, finn.DisplayName, $"finn answers {i}", $"f{i}"))).Seq;
            finnFirst = finnFirst == 0 ? finnSeq : finnFirst;
            fixture.Clock.Advance(TimeSpan.FromSeconds(3));
        }

        await live.React(erinSeqs[0], "+1", true, finn);
        await live.React(finnFirst, "heart", true, erin);

        // Forum: Erin opens a thread; Finn replies mentioning her; she answers mentioning him and reacts to his reply.
        var opened = await Grains.GetGrain<IThreadDirectoryGrain>(community).CreateThread(
            new NewThread(null, ThreadKind.Discussion, $"erin-title-{tag}", $"erin-body-{tag} what do you think?", null), erin);
        var thread = Grains.GetGrain<IThreadGrain>(new ThreadKey(community, opened.ThreadId).ToString());
        var finnReply = (await thread.Reply(new NewReply($"Good question @{erin.UserId}", null, "r1"), finn)).Post!;
        await thread.Reply(new NewReply($"erin-reply-{tag} thanks @{finn.UserId}", finnReply.Seq, "r2"), erin);
        await thread.React(finnReply.Seq, "+1", true, erin);
        await thread.Follow(true, finn);

        // An event: RSVP, check-in, a question (upvoted by Finn), an upvote of Finn's, a ballot, a survey answer.
        var start = fixture.Clock.GetUtcNow();
        var day = Grains.GetGrain<IEventGrain>($"{community}/day");
        await day.Create(new NewEvent("day", "Fan day", null, start, start.AddHours(4), 10, [new NewSession("s1", "Keynote", null, null, start, start.AddHours(1))], ReminderMinutes: 0), owner);
        await day.Rsvp(erin);
        await day.CheckIn(erin);
        var board = Grains.GetGrain<IQuestionBoardGrain>($"{community}/day/s1");
        var erinQuestion = await board.Ask($"erin-asks-{tag}?", erin);
        var finnQuestion = await board.Ask("When is the next one?", finn);
        await Grains.GetGrain<IQuestionGrain>($"{community}/day/s1/{erinQuestion.Id}").Upvote(finn);
        await Grains.GetGrain<IQuestionGrain>($"{community}/day/s1/{finnQuestion.Id}").Upvote(erin);
        var poll = Grains.GetGrain<IPollGrain>($"{community}/day/s1/p1");
        await poll.Create(new NewPoll("Best moment?", ["Goal", "Save"], false), owner);
        await poll.SetOpen(true, owner);
        await poll.Vote([1], erin);
        await Grains.GetGrain<ISurveyGrain>($"{community}/day").Answer(new SurveyAnswer(5, 9, $"erin-comment-{tag}"), erin);

        // Moderation: Erin reports one of Finn's messages; Olga warns Erin by name.
        await Grains.GetGrain<IModerationQueueGrain>(community).Report("live", finnFirst, $"erin-report-{tag}", erin);
        await Grains.GetGrain<ICommunityModerationGrain>(community).Warn(erin.UserId, $"Warned {erin.DisplayName} for spam", owner);

        var points = Grains.GetGrain<IMemberPointsGrain>(MemberKey.For(community, erin.UserId));
        await Responses.Eventually(async () => (await points.GetProfile()).Points > 0 && (await Grains.Notices(finn, NotificationKinds.Mention)).Count > 0,
            "Erin's points and Finn's mention notice");

        // The export has all of it.
        var privacy = Grains.GetGrain<IMemberPrivacyGrain>(MemberKey.For(community, erin.UserId));
        var export = await privacy.Export();
        Assert.Equal(erin.DisplayName, export.Member.DisplayName);
        Assert.Equal([(1, true, ConsentReasons.Join)], export.Consents.Select(c => (c.GuidelinesVersion, c.Marketing, c.Reason)));
        Assert.Single(export.Sanctions);
        Assert.True(export.Points.Points > 0);
        Assert.Equal(erinSeqs, export.Activity.Messages.Select(m => m.Seq));
        Assert.All(export.Activity.Messages, m => Assert.StartsWith($"erin-said-{tag}", m.Text, StringComparison.Ordinal));
        Assert.Equal([1L, 3L], export.Activity.Posts.Select(p => p.Seq).Order());
        Assert.Equal([(opened.ThreadId, $"erin-title-{tag}")], export.Activity.ThreadsOpened!.Select(t => (t.ThreadId, t.Title)));
        Assert.Equal(["channel:live/heart", $"thread:{opened.ThreadId}/+1"], export.Activity.Reactions.Select(r => $"{r.Place}/{r.Emoji}").Order(StringComparer.Ordinal));
        var trace = Assert.Single(export.Activity.Events);
        Assert.Equal(("going", true), (trace.Rsvp, trace.CheckedIn));
        Assert.Equal($"erin-asks-{tag}?", Assert.Single(trace.Questions).Text);
        Assert.Equal([$"s1/{finnQuestion.Id}"], trace.QuestionsUpvoted);
        Assert.Equal([1], Assert.Single(trace.Ballots).Choices);
        Assert.Equal($"erin-comment-{tag}", trace.Survey?.Comment);
        Assert.Contains(export.Notifications, n => n.Kind == NotificationKinds.Mention);
        var report = Assert.Single(export.Activity.ModerationRequests!);
        Assert.Equal(("report", $"live#{finnFirst}", $"erin-report-{tag}"), (report.Kind, report.Target, report.Text));

        var kpis = Grains.GetGrain<ICommunityKpisGrain>(community);
        var today = DateOnly.FromDateTime(fixture.Clock.GetUtcNow().UtcDateTime);
        // Awards (and so KPI activity) follow a channel's messages in rounds, at most one a second, and reactions' points
        // follow from the outboxes behind those rounds: all 24 messages and all 3 reactions must be in.
        await Responses.Eventually(async () => (await kpis.Report(today, today, Segment.Everyone, owner)).Totals is { ActiveMembers: 2, Messages: 24, Reactions: 3 },
            "the KPIs to count both members, all 24 chat messages and the 3 reactions");
        var before = (await kpis.Report(today, today, Segment.Everyone, owner)).Totals;

        // Only the member or an admin above them may erase; an unknown member is not found.
        await AssertRefused(ErrorCodes.Forbidden, () => privacy.Erase(finn));
        await AssertRefused(ErrorCodes.NotFound, () => Grains.GetGrain<IMemberPrivacyGrain>(MemberKey.For(community, "nobody")).Erase(owner));
        var started = await privacy.Erase(erin);
        Assert.Equal(MemberPrivacyGrain.Steps, started.Remaining.Concat(started.Done));
        await Responses.Eventually(async () =>
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
            return await privacy.GetErasure(erin) is null;
        }, "the erasure to finish", TimeSpan.FromSeconds(60));

        // Write-behind stores flush when their grains deactivate: then storage holds all there is.
        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        // The one record allowed to keep the id is the CRM change feed's erasure mark (id and "erased", nothing else): a
        // downstream system must learn whom to delete (docs/architecture.md, "Privacy").
        // (The feed keeps its marks in two records, the full set and the marks since: the mark may be in either or both.)
        var kept = fixture.Storage.Find(erin.UserId);
        Assert.NotEmpty(kept);
        Assert.Subset(new HashSet<string> { $"member-changes@memberchangefeed/{community}", $"member-changes-recent@memberchangefeed/{community}" }, kept.ToHashSet());
        var feed = await Grains.GetGrain<Integrations.IMemberChangeFeedGrain>(community).Read(0, 100, owner, viaToken: false);
        var mark = Assert.Single(feed.Items, c => c.UserId == erin.UserId);
        Assert.Equal(("erased", null, null), (mark.Kind, mark.Member, mark.Points));
        Assert.Empty(fixture.PubSubStorage.Find(erin.UserId));
        foreach (var trail in new[] { erin.DisplayName, $"erin-said-{tag}", $"erin-title-{tag}", $"erin-body-{tag}", $"erin-reply-{tag}",
            $"erin-asks-{tag}", $"erin-comment-{tag}", $"erin-report-{tag}" })
        {
            Assert.Empty(fixture.Storage.Find(trail));
            Assert.Empty(fixture.PubSubStorage.Find(trail));
        }

        // What others see: tombstones in place (seq kept), others' content intact, figures unchanged.
        Assert.Null(await Grains.GetGrain<IMemberGrain>(MemberKey.For(community, erin.UserId)).Get());
        var history = (await live.GetHistory(0, 50)).Messages;
        Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), history.Select(m => m.Seq));
        Assert.All(history.Where(m => erinSeqs.Contains(m.Seq)), m => Assert.Equal(("", Tombstones.Author, true), (m.AuthorId, m.AuthorName, m.Removed)));
        Assert.Equal(12, history.Count(m => m.AuthorId == finn.UserId && !m.Removed));
        var posts = (await thread.GetPosts(0, 10)).Posts;
        Assert.Equal([("", true), (finn.UserId, false), ("", true)], posts.Select(p => (p.AuthorId, p.Removed)));
        Assert.Equal(Tombstones.Author, (await thread.GetSummary()).Title);
        Assert.Equal(0, (await Grains.GetGrain<IForumSearchGrain>(community).Search($"erin-body-{tag}", 10)).Total);
        Assert.Empty(await Grains.Notices(finn, NotificationKinds.Mention));
        Assert.Equal(before, (await kpis.Report(today, today, Segment.Everyone, owner)).Totals);
        Assert.Equal(1, (await poll.Get()).Voters);
    }

    [Fact]
    public async Task Every_store_the_erasure_goes_through_gives_the_export_what_it_holds_of_the_member()
    {
        using var frozen = fixture.Clock.Freeze();
        var tag = Guid.NewGuid().ToString("n")[..10];
        var community = $"s-{tag}";
        var (owner, erin, finn) = (new Actor($"o{tag}", "Olga"), new Actor($"erin{tag}", "Erin"), new Actor($"finn{tag}", "Finn"));
        var communityGrain = Grains.GetGrain<ICommunityGrain>(community);
        await communityGrain.Create("Stores", owner);
        // A receiver that never answers (.invalid never resolves): the events for it wait in the endpoint's queue.
        var hooks = Grains.GetGrain<IWebhookRegistryGrain>(community);
        var hook = await hooks.Register("https://hooks.invalid/cs", [WebhookEventKinds.MemberJoined], owner);
        await communityGrain.Join(erin);
        await communityGrain.Join(finn);
        await communityGrain.CreateChannel("live", "Live", null, owner);

        // Chat both ways, with a reaction; forum: a thread Erin opened, replies and a reaction; an event; moderation both ways.
        var live = Grains.GetGrain<IChannelGrain>(new ChannelKey(community, "live").ToString());
        var erinSeq = (await live.Send(new SendMessageCommand(erin.UserId, erin.DisplayName, "Hello all", "e1"))).Seq;
        var finnSeq = (await live.Send(new SendMessageCommand(finn.UserId, finn.DisplayName, "See you there", "f1"))).Seq;
        await live.React(finnSeq, "heart", true, erin);
        var opened = await Grains.GetGrain<IThreadDirectoryGrain>(community).CreateThread(
            new NewThread(null, ThreadKind.Discussion, $"erin-title-{tag}", "Who comes along?", ["trips"]), erin);
        var thread = Grains.GetGrain<IThreadGrain>(new ThreadKey(community, opened.ThreadId).ToString());
        var finnReply = (await thread.Reply(new NewReply($"Me, @{erin.UserId}", null, "r1"), finn)).Post!;
        await thread.Reply(new NewReply("Great", finnReply.Seq, "r2"), erin);
        await thread.React(finnReply.Seq, "+1", true, erin);
        var start = fixture.Clock.GetUtcNow();
        var day = Grains.GetGrain<IEventGrain>($"{community}/day");
        await day.Create(new NewEvent("day", "Fan day", null, start, start.AddHours(4), 10, [new NewSession("s1", "Keynote", null, null, start, start.AddHours(1))], ReminderMinutes: 0), owner);
        await day.Rsvp(erin);
        var queue = Grains.GetGrain<IModerationQueueGrain>(community);
        await queue.Report("live", finnSeq, "spam", erin);
        await queue.Report("live", erinSeq, "rude", finn);
        await Grains.GetGrain<ICommunityModerationGrain>(community).Warn(erin.UserId, "Be kind", owner);
        await Grains.GetGrain<ICommunityAccessGrain>(community).SetOverrides(AccessPlaces.Channel("live"),
            [new PermissionOverride(OverrideTarget.Member, erin.UserId, Permissions.None, Permissions.Attach)], owner);

        // What each store holds of Erin, as the export shows it; in the order of the stores.
        (string Store, Func<MemberDataExport, bool> Holds)[] stores =
        [
            ("membership", e => e.Member.UserId == erin.UserId && e.Consents.Count == 1 && e.Sanctions.Count == 1),
            ("access", e => e.Access?.OverridePlaces is ["channel:live"]),
            ("moderation", e => e.Activity.ModerationRequests is [{ Kind: "report" }] && e.Activity.ModerationCopies is [{ Text: "Hello all" }]),
            ("channels", e => e.Activity.Messages is [{ Text: "Hello all" }] && e.Activity.Reactions.Any(r => r.Place == "channel:live")),
            ("threads", e => e.Activity.ThreadsOpened is [{ Title: var title, Tags: ["trips"] }] && title == $"erin-title-{tag}"
                && e.Activity.Posts.Count == 2 && e.Activity.Reactions.Any(r => r.Place == $"thread:{opened.ThreadId}")),
            ("events", e => e.Activity.Events is [{ EventId: "day", Rsvp: "going" }]),
            ("audit", e => e.Audit.Any(a => a.Action == "warn" && a.Target == erin.UserId)),
            ("kpis", e => e.Kpis.Joined.Count == 1 && e.Kpis.Days.Any(d => d.Active)),
            ("leaderboards", e => e.Boards.Any(b => b.Board == Leaderboards.AllTime && b.Points > 0)),
            ("points", e => e.Points.Points > 0),
            ("notifications", e => e.Notifications.Any(n => n.Kind == NotificationKinds.Warning)),
            ("integrations", e => e.Deliveries.Any(d => d.Kind == WebhookEventKinds.MemberJoined && d.Data.Contains(erin.UserId, StringComparison.Ordinal))),
            ("account", e => e.CommunityId == community),
        ];
        var privacy = Grains.GetGrain<IMemberPrivacyGrain>(MemberKey.For(community, erin.UserId));
        // Points, KPIs and boards follow activity in rounds, and notices arrive one-way.
        var following = stores.Where(s => s.Store is "kpis" or "leaderboards" or "points" or "notifications").ToList();
        await Responses.Eventually(async () =>
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
            var export = await privacy.Export();
            return following.TrueForAll(s => s.Holds(export));
        }, "Erin's points, KPIs, boards and notices");
        var final = await privacy.Export();
        Assert.All(stores, s => Assert.True(s.Holds(final), $"the export has nothing from '{s.Store}'"));

        // The export went through the stores the erasure goes through, in the same order, and this test checks each.
        var erasure = await privacy.Erase(erin);
        Assert.Equal(erasure.Done.Concat(erasure.Remaining), final.Stores);
        Assert.Equal(final.Stores, stores.Select(s => s.Store));

        await Responses.Eventually(async () =>
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
            return await privacy.GetErasure(erin) is null;
        }, "the erasure to finish", TimeSpan.FromSeconds(60));
        Assert.Empty(await hooks.CollectMember(erin.UserId));
        Assert.Empty(await Grains.GetGrain<ICommunityAccessGrain>(community).OverridePlacesOf(erin.UserId));
        await hooks.Remove(hook.Endpoint.Id, owner);
    }

    [Fact]
    public async Task Kpi_activity_that_arrives_after_its_members_erasure_counts_under_the_pseudonym_not_the_id()
    {
        var community = $"kp-{Guid.NewGuid():n}"[..20];
        var day = new DateOnly(2026, 3, 2);
        var week = Grains.KpiWeek(new KpiWeekKey(community, KpiMath.Week(day)));
        KpiMemberActivity Messages(int count) => new("ann", day, [], Active: true, Messages: count, Threads: 0, Replies: 0, ReactionsReceived: 0);
        async Task<long> Posted() => (await week.Read(Segment.Everyone)).Where(d => d.Day == day).Sum(d => d.Messages);
        await week.RecordMany([Messages(1)]);
        await Responses.Eventually(async () => await Posted() == 1, "the first activity to reach the bucket");
        await week.Pseudonymise("ann", "erased-ann");

        // Gathered on another silo before the erasure reached it (GatheredUpdates), it lands after.
        await week.RecordMany([Messages(2)]);
        await Responses.Eventually(async () => await Posted() == 3, "the late activity to reach the bucket");
        Assert.Equal(["erased-ann"], (await week.Read(Segment.Everyone)).Single(d => d.Day == day).Active);
    }

    [Fact]
    public async Task A_new_version_of_the_guidelines_asks_members_again_and_the_history_keeps_both()
    {
        var tag = Guid.NewGuid().ToString("n")[..10];
        var community = $"g-{tag}";
        var (owner, ann) = (new Actor($"o{tag}", "Olga"), new Actor($"a{tag}", "Ann"));
        await Grains.GetGrain<ICommunityGrain>(community).Create("Guidelines", owner);
        await Grains.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, owner);
        // Consent to a version that is not in force (here: none published yet) would count as accepting future ones.
        await AssertRefused(ErrorCodes.ConsentRequired, () => Grains.GetGrain<ICommunityGrain>(community).Join(ann, new ConsentGiven(3)));
        await Grains.GetGrain<ICommunityGrain>(community).Join(ann);
        var policy = Grains.GetGrain<IModerationPolicyGrain>(community);
        await AssertRefused(ErrorCodes.Forbidden, () => policy.PublishGuidelines("Mine now", ann));
        Assert.Equal(1, (await policy.PublishGuidelines("Be kind.", owner)).Version);

        var live = Grains.GetGrain<IChannelGrain>(new ChannelKey(community, "live").ToString());
        // The channel learns of the new version with its next policy refresh.
        await Responses.Eventually(async () =>
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(6));
            try
            {
                await live.Send(new SendMessageCommand(ann.UserId, ann.DisplayName, "still here?", $"c{Guid.NewGuid():n}"));
                return false;
            }
            catch (CommunityException e) when (e.Code == ErrorCodes.ConsentRequired)
            {
                return true;
            }
        }, "the channel to ask for consent");

        var member = Grains.GetGrain<IMemberGrain>(MemberKey.For(community, ann.UserId));
        await AssertRefused(ErrorCodes.Invalid, () => member.Consent(new ConsentGiven(2), 1));
        await member.Consent(new ConsentGiven(1, Marketing: true), 1);
        Assert.Equal([(0, false, ConsentReasons.Join), (1, true, ConsentReasons.Renewed)],
            (await member.GetConsents()).Select(c => (c.GuidelinesVersion, c.Marketing, c.Reason)));
        fixture.Clock.Advance(TimeSpan.FromSeconds(6));
        Assert.True((await live.Send(new SendMessageCommand(ann.UserId, ann.DisplayName, "back again", "c-back"))).Seq > 0);
    }

    [Fact]
    public async Task Retention_turns_messages_older_than_the_limit_into_tombstones_and_keeps_their_seq()
    {
        using var frozen = fixture.Clock.Freeze();
        var tag = Guid.NewGuid().ToString("n")[..10];
        var community = $"r-{tag}";
        var (owner, ann) = (new Actor($"o{tag}", "Olga"), new Actor($"a{tag}", "Ann"));
        await Grains.GetGrain<ICommunityGrain>(community).Create("Retention", owner);
        await Grains.GetGrain<ICommunityGrain>(community).CreateChannel("live", "Live", null, owner);
        await Grains.GetGrain<ICommunityGrain>(community).Join(ann);
        var live = Grains.GetGrain<IChannelGrain>(new ChannelKey(community, "live").ToString());
        for (var i = 0; i < 25; i++)
        {
            await live.Send(new SendMessageCommand(ann.UserId, ann.DisplayName, $"old {i}", $"o{i}"));
            fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        }

        fixture.Clock.Advance(TimeSpan.FromDays(3));
        await live.Send(new SendMessageCommand(ann.UserId, ann.DisplayName, "new", "n0"));
        var retention = Grains.GetGrain<IRetentionGrain>(community);
        await AssertRefused(ErrorCodes.Forbidden, () => retention.Set(1, ann));
        await AssertRefused(ErrorCodes.Invalid, () => retention.Set(-1, owner));
        await retention.Set(2, owner);

        await Responses.Eventually(async () => (await live.GetHistory(0, 50)).Messages.Count(m => m.Removed) == 25, "the purge", TimeSpan.FromSeconds(30));
        var history = (await live.GetHistory(0, 50)).Messages;
        Assert.Equal(Enumerable.Range(1, 26).Select(i => (long)i), history.Select(m => m.Seq));
        Assert.All(history.Take(25), m => Assert.Equal(("", "", Tombstones.Author), (m.AuthorId, m.Text, m.AuthorName)));
        Assert.Equal(("new", ann.UserId), (history[25].Text, history[25].AuthorId));
    }
}
