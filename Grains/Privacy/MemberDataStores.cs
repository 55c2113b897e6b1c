using CommunityScale.Campaigns;
using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Events;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Posting;
using CommunityScale.Threads;

namespace CommunityScale.Privacy;

/// <summary>
/// Whom the stores are asked about, with what their membership says: the live membership for an export, the erasure
/// job's copy once the membership is gone. <paramref name="Now"/> bounds the weeks since joining.
/// </summary>
public sealed record MemberScope(IGrainFactory Grains, string CommunityId, string UserId, string DisplayName, DateTimeOffset JoinedAt, DateTimeOffset Now)
{
    public MemberKey Key => new(CommunityId, UserId);
}

/// <summary>
/// One place a member's data lives. The export and the erasure are both required, so a store cannot be in one and not
/// the other.
/// </summary>
/// <param name="Step">The erasure step's name. Running jobs store it (<see cref="ErasureJob.Done"/>): never rename one.</param>
/// <param name="Export">Adds what the store holds about the member to the export so far.</param>
/// <param name="Erase">Removes it, given the pseudonym. Idempotent: a step that crashed runs again.</param>
/// <param name="Files">The member's files the store refers to, when it can refer to any: their bytes go before the job starts.</param>
public sealed record MemberDataStore(
    string Step,
    Func<MemberScope, MemberDataExport, Task<MemberDataExport>> Export,
    Func<MemberScope, string, Task> Erase,
    Func<MemberScope, Task<IReadOnlyList<AttachmentInfo>>>? Files = null);

/// <summary>
/// Every store of a member's data in a community, in erasure order: the membership first (nothing new can be posted),
/// then the review queue (nothing held can be approved under their name), the content, what counts them, the account
/// last. <see cref="MemberPrivacyGrain"/>'s export and erasure both go through this one list, so adding a store is one
/// entry here, placed where its erasure belongs: a job under way runs every step it has not recorded as done, so it
/// meets a new one too.
/// </summary>
public static class MemberDataStores
{
    /// <summary>The step after which the content steps wait out the membership caches.</summary>
    public const string Membership = "membership";

    public static IReadOnlyList<MemberDataStore> All { get; } =
    [
        new(Membership,
            async (s, export) =>
            {
                var member = s.Grains.Member(s.Key);
                return export with { Member = await member.Get() ?? export.Member, Consents = await member.GetConsents(), Sanctions = await member.GetSanctions() };
            },
            (s, _) => s.Grains.Member(s.Key).Erase()),

        // Overrides naming them, invites they made, a request to join still waiting.
        new("access",
            async (s, export) =>
            {
                var invites = await s.Grains.GetGrain<Access.ICommunityInvitesGrain>(s.CommunityId).CollectMember(s.UserId);
                return export with { Access = invites with { OverridePlaces = await s.Grains.GetGrain<Access.ICommunityAccessGrain>(s.CommunityId).OverridePlacesOf(s.UserId) } };
            },
            async (s, pseudonym) =>
            {
                await s.Grains.GetGrain<Access.ICommunityAccessGrain>(s.CommunityId).ForgetMember(s.UserId);
                await s.Grains.GetGrain<Access.ICommunityInvitesGrain>(s.CommunityId).EraseMember(s.UserId, pseudonym);
            }),

        // Held messages and posts, reports and appeals they made, and copies of their messages kept for review or restore.
        Holders("moderation", s => Task.FromResult<IEnumerable<IHoldsMemberData>>([s.Grains.GetGrain<IModerationQueueGrain>(s.CommunityId)])),

        // Every channel: the tail, the sealed pages and the reaction pages.
        Holders("channels", async s => (await s.Grains.GetGrain<ICommunityGrain>(s.CommunityId).ListChannels())
            .Select(c => s.Grains.Channel(new ChannelKey(s.CommunityId, c.Id)))),

        // Every thread id 1..last, removed ones too.
        Holders("threads", async s =>
        {
            var last = await s.Grains.GetGrain<IThreadDirectoryGrain>(s.CommunityId).GetLastThreadId();
            return Enumerable.Range(1, (int)Math.Min(last, int.MaxValue)).Select(id =>
                s.Grains.Thread(new ThreadKey(s.CommunityId, id.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }),

        // Every event ever created (the calendar keeps the unlisted ones), with its sessions' Q&A, polls and survey.
        Holders("events", async s => (await s.Grains.GetGrain<IEventCalendarGrain>(s.CommunityId).AllIds())
            .Select(id => s.Grains.Event(new EventKey(s.CommunityId, id))), files: false),

        new("audit",
            async (s, export) => export with { Audit = await Audit(s).CollectMember(s.UserId, s.DisplayName) },
            (s, pseudonym) => Audit(s).Pseudonymise(s.UserId, s.DisplayName, pseudonym)),

        new("kpis",
            async (s, export) =>
            {
                foreach (var week in WeeksSince(s))
                {
                    export = export with { Kpis = export.Kpis.Merge(await KpiWeek(s, week).CollectMember(s.UserId)) };
                }

                return export;
            },
            async (s, pseudonym) =>
            {
                foreach (var week in WeeksSince(s))
                {
                    await KpiWeek(s, week).Pseudonymise(s.UserId, pseudonym);
                }
            }),

        new("leaderboards",
            async (s, export) =>
            {
                var standings = new List<BoardStanding>();
                foreach (var board in await Boards(s))
                {
                    if (await s.Grains.Leaderboard(new BoardKey(s.CommunityId, board)).Me(s.UserId) is { } entry)
                    {
                        standings.Add(new BoardStanding(board, entry.Rank, entry.Points, Final: false));
                    }
                }

                foreach (var week in await WeeklyBoards(s).Past())
                {
                    standings.AddRange(week.Top.Where(e => e.UserId == s.UserId).Select(e => new BoardStanding(week.Week, e.Rank, e.Points, Final: true)));
                }

                return export with { Boards = standings };
            },
            async (s, _) =>
            {
                foreach (var board in await Boards(s))
                {
                    await Leaderboards.Shard(s.Grains, s.CommunityId, board, s.UserId).Remove(s.UserId);
                }

                await WeeklyBoards(s).ForgetMember(s.UserId);
            }),

        new("points",
            async (s, export) => export with { Points = await Points(s).GetProfile() },
            (s, _) => Points(s).Erase()),

        new("notifications",
            async (s, export) => export with { Notifications = await Inbox(s).ListCommunity(s.CommunityId) },
            (s, _) => Inbox(s).Forget(s.CommunityId, null)),

        new("integrations",
            async (s, export) => export with { Deliveries = await WebhookRegistry(s).CollectMember(s.UserId) },
            async (s, pseudonym) =>
            {
                await WebhookRegistry(s).ForgetMember(s.UserId);
                // Handed over before the step counts as done, under an id of this erasure's: a step run again (after a
                // crash) hands the same event, which the endpoints drop.
                await WebhookRegistry(s).Hand([new WebhookEvent($"member-erased:{pseudonym}", WebhookEventKinds.MemberErased, s.CommunityId, s.Now,
                    WebhookPayload.Data(new MemberErased(s.CommunityId, s.UserId, s.Now)))]);
            }),

        // The account holds that the user belongs to this community: the export's CommunityId says so.
        new("account",
            (_, export) => Task.FromResult(export),
            async (s, _) =>
            {
                await s.Grains.GetGrain<IUserAccountGrain>(s.UserId).RemoveCommunity(s.CommunityId);
                // The CRM feed now reports the member as erased (no membership is left to read). Stored before the step
                // counts as done: an erased member never changes again, so a lost mark would never be made good.
                await s.Grains.GetGrain<IMemberChangeFeedGrain>(s.CommunityId).Erased(s.UserId);
            }),
    ];

    public static IReadOnlyList<string> Steps { get; } = [.. All.Select(s => s.Step)];

    /// <summary>
    /// A store of <see cref="IHoldsMemberData"/> grains: each collects for the export and erases itself. With
    /// <paramref name="files"/>, the files its trace refers to are erased before it, while the trace still names them.
    /// </summary>
    private static MemberDataStore Holders(string step, Func<MemberScope, Task<IEnumerable<IHoldsMemberData>>> locate, bool files = true) => new(
        step,
        async (s, export) =>
        {
            var traces = new List<MemberTrace>();
            foreach (var store in await locate(s))
            {
                traces.Add(await store.CollectMember(s.UserId));
            }

            return export with { Activity = export.Activity.Merge(MemberTrace.MergeAll(traces)) };
        },
        async (s, pseudonym) =>
        {
            foreach (var store in await locate(s))
            {
                if (files)
                {
                    foreach (var file in FilesOf(await store.CollectMember(s.UserId)))
                    {
                        await s.Grains.Attachment(s.CommunityId, file.Id).Erase();
                    }
                }

                await store.EraseMember(s.UserId, pseudonym);
            }
        },
        files
            ? async s =>
            {
                var all = new List<AttachmentInfo>();
                foreach (var store in await locate(s))
                {
                    all.AddRange(FilesOf(await store.CollectMember(s.UserId)));
                }

                return all;
            }
            : null);

    private static IEnumerable<AttachmentInfo> FilesOf(MemberTrace trace) =>
        trace.Messages.Concat(trace.ModerationCopies ?? []).SelectMany(m => m.Attachments ?? []).Concat(trace.Posts.SelectMany(p => p.Attachments ?? []));

    /// <summary>Every board the member can be on: all time, each week since joining, each channel, each listed campaign.</summary>
    private static async Task<List<string>> Boards(MemberScope s)
    {
        var boards = new List<string> { Leaderboards.AllTime };
        boards.AddRange(WeeksSince(s));
        boards.AddRange((await s.Grains.GetGrain<ICommunityGrain>(s.CommunityId).ListChannels()).Select(c => Leaderboards.ForChannel(c.Id)));
        boards.AddRange((await s.Grains.GetGrain<ICampaignDirectoryGrain>(s.CommunityId).List()).Select(c => Leaderboards.ForCampaign(c.Id)));
        return boards;
    }

    /// <summary>The ISO weeks from a week before joining to a week after now.</summary>
    private static IEnumerable<string> WeeksSince(MemberScope s)
    {
        for (var at = s.JoinedAt.AddDays(-7); at <= s.Now.AddDays(7); at = at.AddDays(7))
        {
            yield return Leaderboards.IsoWeek(at);
        }
    }

    private static IAuditLogGrain Audit(MemberScope s) => s.Grains.GetGrain<IAuditLogGrain>(s.CommunityId);

    private static IKpiWeekGrain KpiWeek(MemberScope s, string week) => s.Grains.KpiWeek(new KpiWeekKey(s.CommunityId, week));

    private static IWeeklyBoardsGrain WeeklyBoards(MemberScope s) => s.Grains.GetGrain<IWeeklyBoardsGrain>(s.CommunityId);

    private static IMemberPointsGrain Points(MemberScope s) => s.Grains.MemberPoints(s.Key);

    private static INotificationInboxGrain Inbox(MemberScope s) => s.Grains.GetGrain<INotificationInboxGrain>(s.UserId);

    private static IWebhookRegistryGrain WebhookRegistry(MemberScope s) => s.Grains.GetGrain<IWebhookRegistryGrain>(s.CommunityId);
}
