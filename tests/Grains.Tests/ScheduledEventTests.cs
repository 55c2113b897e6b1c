using CommunityScale.Communities;
using CommunityScale.Events;
using CommunityScale.Notifications;
using CommunityScale.TestSupport;

namespace CommunityScale.Grains.Tests;

/// <summary>Reminders that fall due as community time moves (the clock is injected and moved forward by the test).</summary>
[Collection(ClockedCluster.Name)]
[Trait("Area", "Events")]
public sealed class ScheduledEventTests(ClockedClusterFixture fixture)
{
    private static readonly Actor Owner = new("owner", "Owner");

    [Fact]
    public async Task Going_members_are_reminded_once_per_session_when_its_lead_time_is_reached_and_the_waitlist_is_not()
    {
        var community = $"r-{Guid.NewGuid():n}";
        var client = fixture.Client;
        var (ann, bob, carl) = (new Actor($"ann-{community}", "Ann"), new Actor($"bob-{community}", "Bob"), new Actor($"carl-{community}", "Carl"));
        await client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        foreach (var member in new[] { ann, bob, carl })
        {
            await client.GetGrain<ICommunityGrain>(community).Join(member);
        }

        var now = fixture.Clock.GetUtcNow();
        var day = client.GetGrain<IEventGrain>($"{community}/day");
        var created = await day.Create(new NewEvent("day", "Community day", null, now.AddHours(1), now.AddHours(3), 2,
            [new NewSession("keynote", "Keynote", "Main", ["Dana"], now.AddHours(1), now.AddHours(1.5)),
             new NewSession("qa", "Ask us anything", "Main", null, now.AddHours(2), now.AddHours(2.5))], ReminderMinutes: 15), Owner);
        Assert.Equal(15, created.ReminderMinutes);
        await day.Rsvp(ann);
        await day.Rsvp(bob);
        Assert.Equal(RsvpStatus.Waitlisted, (await day.Rsvp(carl)).Status);

        // 50 minutes on, the keynote starts in 10: inside its 15-minute lead.
        fixture.Clock.Advance(TimeSpan.FromMinutes(50));
        await Responses.Eventually(async () => (await Reminders(ann)).Count == 1 && (await Reminders(bob)).Count == 1, "the keynote reminder");
        Assert.Contains("Keynote", (await Reminders(ann))[0].Text, StringComparison.Ordinal);

        // An hour later the Q&A is 10 minutes away; the keynote's reminder is not repeated by the ticks in between.
        fixture.Clock.Advance(TimeSpan.FromHours(1));
        await Responses.Eventually(async () => (await Reminders(ann)).Count == 2, "the Q&A reminder");
        await fixture.Cluster.DeactivateAsync(day);
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(["session-reminder:day:keynote", "session-reminder:day:qa"], (await Reminders(ann)).Select(n => n.SourceId).Order());
        Assert.Equal(2, (await Reminders(bob)).Count);
        Assert.Empty(await Reminders(carl));
    }

    [Fact]
    public async Task Reminders_can_be_turned_off_and_a_session_already_started_when_its_tick_comes_is_not_reminded_late()
    {
        var community = $"r-{Guid.NewGuid():n}";
        var client = fixture.Client;
        var dora = new Actor($"dora-{community}", "Dora");
        await client.GetGrain<ICommunityGrain>(community).Create("Fans", Owner);
        await client.GetGrain<ICommunityGrain>(community).Join(dora);
        var now = fixture.Clock.GetUtcNow();
        foreach (var (id, startsIn, lead) in new[] { ("quiet", 35, 0), ("soon", 35, 30), ("late", 65, 30), ("marker", 110, 30) })
        {
            var e = client.GetGrain<IEventGrain>($"{community}/{id}");
            await e.Create(new NewEvent(id, id, null, now.AddMinutes(startsIn), now.AddMinutes(startsIn + 60), 10, null, ReminderMinutes: lead), Owner);
            await e.Rsvp(dora);
        }

        // "soon" (agenda-less: the event itself is reminded) falls due; "quiet" never reminds.
        fixture.Clock.Advance(TimeSpan.FromMinutes(6));
        await Responses.Eventually(async () => (await Reminders(dora)).Count == 1, "the reminder for the event itself");

        // Community time jumps 80 minutes (a silo down that long): "late" started meanwhile and is skipped, "marker" is due.
        fixture.Clock.Advance(TimeSpan.FromMinutes(80));
        await Responses.Eventually(async () => (await Reminders(dora)).Count == 2, "the marker's reminder");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(["session-reminder:marker:", "session-reminder:soon:"], (await Reminders(dora)).Select(n => n.SourceId).Order());
    }

    private Task<IReadOnlyList<Notification>> Reminders(Actor who) => fixture.Client.Notices(who, NotificationKinds.SessionReminder);
}
