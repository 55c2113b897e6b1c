using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Events;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Streams;
using CommunityScale.Threads;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Privacy;

[GenerateSerializer, Alias("cs.MemberPrivacyState")]
public sealed class MemberPrivacyState
{
    [Id(0)] public ErasureJob? Erasure { get; set; }
}

/// <summary>An erasure under way. It holds the member's name only until it is done; then the whole record goes.</summary>
[GenerateSerializer, Alias("cs.ErasureJob")]
public sealed class ErasureJob
{
    [Id(0)] public string Pseudonym { get; set; } = "";

    [Id(1)] public string DisplayName { get; set; } = "";

    [Id(2)] public DateTimeOffset JoinedAt { get; set; }

    [Id(3)] public DateTimeOffset RequestedAt { get; set; }

    [Id(4)] public List<string> Done { get; set; } = [];

    /// <summary>When the membership was deleted: content steps wait until no channel still has it cached.</summary>
    [Id(5)] public DateTimeOffset? MembershipErasedAt { get; set; }
}

/// <summary>
/// A member's data in one community: the export gathers it from every store; the erasure removes it from every store,
/// one step at a time. Each step is idempotent and recorded when done, and an Orleans reminder resumes the job after a
/// crash, so an erasure that was accepted always completes. When it is done nothing is kept, not even the job: the audit
/// log keeps an <c>erase_member</c> entry under the pseudonym.
/// </summary>
public sealed partial class MemberPrivacyGrain(
    [PersistentState("privacy", StorageNames.Main)] IPersistentState<MemberPrivacyState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<ChatOptions> chatOptions,
    ILogger<MemberPrivacyGrain> logger) : Grain, IMemberPrivacyGrain, IRemindable
{
    private const string ReminderName = "erasure";
    private static readonly TimeSpan ResumeEvery = TimeSpan.FromMinutes(1);

    /// <summary>The steps, in order: the membership first (nothing new can be posted), the identity last.</summary>
    public static IReadOnlyList<string> Steps { get; } =
        ["membership", "moderation", "channels", "threads", "events", "audit", "kpis", "leaderboards", "points", "notifications", "integrations", "account"];

    private IGrainTimer? _runner;

    // Grains cache memberships (channels for MembershipCacheDuration, points grains 10 s): content steps wait until none
    // can still accept or award something for the member.
    private TimeSpan SettleTime => TimeSpan.FromSeconds(Math.Max(chatOptions.Value.MembershipCacheDuration.TotalSeconds, MemberPointsGrain.MembershipCacheSeconds) + 1);
    private bool _running;

    private (string Community, string User) Key => MemberKey.Parse(this.GetPrimaryKeyString());

    public async Task<MemberDataExport> Export()
    {
        var (community, user) = Key;
        var memberGrain = GrainFactory.GetGrain<IMemberGrain>(this.GetPrimaryKeyString());
        var member = await memberGrain.Get() ?? throw CommunityException.NotFound($"Member '{user}' of '{community}'");
        var traces = new List<MemberTrace>();
        foreach (var store in await Stores(community))
        {
            traces.Add(await store.CollectMember(user));
        }

        traces.Add(await GrainFactory.GetGrain<IModerationQueueGrain>(community).CollectMember(user));
        var activity = MemberTrace.MergeAll(traces);
        return new MemberDataExport(community, member, await memberGrain.GetConsents(), await memberGrain.GetSanctions(),
            await GrainFactory.GetGrain<IMemberPointsGrain>(this.GetPrimaryKeyString()).GetProfile(), activity,
            await GrainFactory.GetGrain<INotificationInboxGrain>(user).ListCommunity(community));
    }

    public async Task<ErasureStatus> Erase(Actor by)
    {
        var (community, user) = Key;
        if (state.State.Erasure is null)
        {
            var member = await RequireMayErase(by);
            var job = new ErasureJob
            {
                Pseudonym = Pseudonym.NewValue(), DisplayName = member.DisplayName, JoinedAt = member.JoinedAt, RequestedAt = clock.GetUtcNow(),
            };
            state.State.Erasure = job;
            await state.WriteStateAsync();
            await this.RegisterOrUpdateReminder(ReminderName, ResumeEvery, ResumeEvery);
            // Written with the requester as the member asked for it: the audit step then turns their own id into the pseudonym too.
            await GrainFactory.GetGrain<IAuditLogGrain>(community).Append(by.UserId, "erase_member", job.Pseudonym,
                by.UserId == user ? "erasure requested by the member" : "erasure requested by an admin");
        }

        StartRunner();
        return StatusOf(state.State.Erasure);
    }

    public async Task<IReadOnlyList<string>> PrepareErasure(Actor by)
    {
        if (state.State.Erasure is not null)
        {
            return [];
        }

        await RequireMayErase(by);
        var community = Key.Community;
        var files = new List<string>();
        foreach (var store in await Stores(community))
        {
            var trace = await store.CollectMember(Key.User);
            files.AddRange(trace.Messages.SelectMany(m => m.Attachments ?? []).Concat(trace.Posts.SelectMany(p => p.Attachments ?? [])).Select(a => a.Id));
        }

        return files;
    }

    /// <summary>The member themselves, or an admin above them; never the owner (a community needs one).</summary>
    private async Task<MemberInfo> RequireMayErase(Actor by)
    {
        var (community, user) = Key;
        var requester = by.UserId == user ? null
            : await ModerationRoles.RequireAdmin(GrainFactory, community, by, "Only the community's admins and owner erase other members.");
        var member = await GrainFactory.GetGrain<IMemberGrain>(this.GetPrimaryKeyString()).Get()
            ?? throw CommunityException.NotFound($"Member '{user}' of '{community}'");
        if (member.Role == MemberRole.Owner)
        {
            throw CommunityException.Invalid("The owner cannot be erased while the community is theirs.");
        }

        return requester is not null && member.Role >= requester.Role
            ? throw new CommunityException(ErrorCodes.Forbidden, "Admins erase only members below their own role.")
            : member;
    }

    public async Task<ErasureStatus?> GetErasure(Actor caller)
    {
        if (caller.UserId != Key.User)
        {
            await ModerationRoles.RequireAdmin(GrainFactory, Key.Community, caller, "Only the member and the community's admins see an erasure.");
        }

        return state.State.Erasure is { } job ? StatusOf(job) : null;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        StartRunner();
        return Task.CompletedTask;
    }

    private void StartRunner() =>
        _runner ??= this.RegisterGrainTimer(Run, new GrainTimerCreationOptions(TimeSpan.Zero, TimeSpan.FromSeconds(1)) { Interleave = false });

    private async Task Run(CancellationToken cancellationToken)
    {
        if (_running || state.State.Erasure is not { } job)
        {
            return;
        }

        _running = true;
        try
        {
            foreach (var step in Steps.Where(s => !job.Done.Contains(s)))
            {
                if (step != "membership" && job.MembershipErasedAt is { } at && clock.GetUtcNow() < at + SettleTime)
                {
                    return;
                }

                await RunStep(step, job);
                job.Done.Add(step);
                await state.WriteStateAsync(cancellationToken);
            }

            await Finish();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The timer tries again in a second and the reminder after a restart: every step may run twice.
            LogStepFailed(logger, ex, this.GetPrimaryKeyString());
        }
        finally
        {
            _running = false;
        }
    }

    private async Task RunStep(string step, ErasureJob job)
    {
        var (community, user) = Key;
        var pseudonym = job.Pseudonym;
        switch (step)
        {
            case "membership":
                await GrainFactory.GetGrain<IMemberGrain>(this.GetPrimaryKeyString()).Erase();
                job.MembershipErasedAt = clock.GetUtcNow();
                break;
            case "channels":
                foreach (var channel in await GrainFactory.GetGrain<ICommunityGrain>(community).ListChannels())
                {
                    var grain = GrainFactory.GetGrain<IChannelGrain>(new ChannelKey(community, channel.Id).ToString());
                    await EraseAttachments(community, (await grain.CollectMember(user)).Messages.SelectMany(m => m.Attachments ?? []));
                    await grain.EraseMember(user, pseudonym);
                }

                break;
            case "threads":
                foreach (var thread in await Threads(community))
                {
                    await EraseAttachments(community, (await thread.CollectMember(user)).Posts.SelectMany(p => p.Attachments ?? []));
                    await thread.EraseMember(user, pseudonym);
                }

                break;
            case "events":
                foreach (var id in await GrainFactory.GetGrain<IEventCalendarGrain>(community).AllIds())
                {
                    await GrainFactory.GetGrain<IEventGrain>($"{community}/{id}").EraseMember(user, pseudonym);
                }

                break;
            case "moderation":
                await GrainFactory.GetGrain<IModerationQueueGrain>(community).EraseMember(user, pseudonym);
                break;
            case "audit":
                await GrainFactory.GetGrain<IAuditLogGrain>(community).Pseudonymise(user, job.DisplayName, pseudonym);
                break;
            case "kpis":
                foreach (var week in WeeksSince(job.JoinedAt))
                {
                    await GrainFactory.GetGrain<IKpiWeekGrain>($"{community}/{week}").Pseudonymise(user, pseudonym);
                }

                break;
            case "leaderboards":
                foreach (var board in await Boards(community, job.JoinedAt))
                {
                    await Leaderboards.Shard(GrainFactory, community, board, user).Remove(user);
                }

                await GrainFactory.GetGrain<IWeeklyBoardsGrain>(community).ForgetMember(user);

                break;
            case "points":
                await GrainFactory.GetGrain<IMemberPointsGrain>(this.GetPrimaryKeyString()).Erase();
                break;
            case "notifications":
                await GrainFactory.GetGrain<INotificationInboxGrain>(user).Forget(community, null);
                break;
            case "integrations":
                await GrainFactory.GetGrain<IWebhookRegistryGrain>(community).ForgetMember(user);
                Webhooks.Raise(GrainFactory, community, WebhookEventKinds.MemberErased, clock.GetUtcNow(), new MemberErased(community, user, clock.GetUtcNow()));
                break;
            case "account":
                await GrainFactory.GetGrain<IUserAccountGrain>(user).RemoveCommunity(community);
                // The CRM feed now reports the member as erased (no membership is left to read).
                GrainFactory.GetGrain<IMemberChangeFeedGrain>(community).Touch(user).Ignore();
                break;
            default:
                throw new InvalidOperationException($"Unknown erasure step '{step}'.");
        }
    }

    private async Task Finish()
    {
        _runner?.Dispose();
        _runner = null;
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        await state.ClearStateAsync();
        state.State.Erasure = null;
        DeactivateOnIdle();
    }

    private async Task EraseAttachments(string community, IEnumerable<AttachmentInfo> attachments)
    {
        foreach (var attachment in attachments)
        {
            await GrainFactory.GetGrain<IAttachmentGrain>($"{community}/{attachment.Id}").Erase();
        }
    }

    /// <summary>Every store that holds content: channels, forum threads (all ids, removed ones too) and events.</summary>
    private async Task<List<IHoldsMemberData>> Stores(string community)
    {
        var stores = new List<IHoldsMemberData>();
        stores.AddRange((await GrainFactory.GetGrain<ICommunityGrain>(community).ListChannels())
            .Select(c => GrainFactory.GetGrain<IChannelGrain>(new ChannelKey(community, c.Id).ToString())));
        stores.AddRange(await Threads(community));
        stores.AddRange((await GrainFactory.GetGrain<IEventCalendarGrain>(community).AllIds()).Select(id => GrainFactory.GetGrain<IEventGrain>($"{community}/{id}")));
        return stores;
    }

    private async Task<IEnumerable<IThreadGrain>> Threads(string community)
    {
        var last = await GrainFactory.GetGrain<IThreadDirectoryGrain>(community).GetLastThreadId();
        return Enumerable.Range(1, (int)Math.Min(last, int.MaxValue))
            .Select(id => GrainFactory.GetGrain<IThreadGrain>(new ThreadKey(community, id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToString()));
    }

    /// <summary>Every board the member can be on: all time, each week since joining, each channel, each listed campaign.</summary>
    private async Task<List<string>> Boards(string community, DateTimeOffset joinedAt)
    {
        var boards = new List<string> { Leaderboards.AllTime };
        boards.AddRange(WeeksSince(joinedAt));
        boards.AddRange((await GrainFactory.GetGrain<ICommunityGrain>(community).ListChannels()).Select(c => Leaderboards.ForChannel(c.Id)));
        boards.AddRange((await GrainFactory.GetGrain<Campaigns.ICampaignDirectoryGrain>(community).List()).Select(c => Leaderboards.ForCampaign(c.Id)));
        return boards;
    }

    private IEnumerable<string> WeeksSince(DateTimeOffset joinedAt)
    {
        var now = clock.GetUtcNow();
        for (var at = joinedAt.AddDays(-7); at <= now.AddDays(7); at = at.AddDays(7))
        {
            yield return Leaderboards.IsoWeek(at);
        }
    }

    private ErasureStatus StatusOf(ErasureJob job) => new(Key.Community, job.RequestedAt, [.. job.Done], [.. Steps.Except(job.Done)]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An erasure step of {Member} failed; it runs again.")]
    private static partial void LogStepFailed(ILogger logger, Exception ex, string member);
}
