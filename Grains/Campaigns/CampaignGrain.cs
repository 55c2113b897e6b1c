using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Events;
using CommunityScale.FollowUps;
using CommunityScale.Gamification;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Notifications;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Campaigns;

[GenerateSerializer, Alias("cs.CampaignState")]
public sealed class CampaignState
{
    [Id(0)] public Campaign? Campaign { get; set; }

    [Id(1)] public long Participants { get; set; }

    [Id(2)] public long Posts { get; set; }

    [Id(3)] public long Points { get; set; }

    [Id(4)] public bool Started { get; set; }

    // Id 5 (an "ended" flag) is retired: the end is the window's, read from the clock, and needs no wake-up.

    /// <summary>How far the start notice has gone through the member roster; resumes here after a crash.</summary>
    [Id(6)] public long NotifiedUpTo { get; set; }

    /// <summary>The creation's audit entry, until the log has it.</summary>
    [Id(7)] public OutboxState Outbox { get; set; } = new();
}

/// <summary>
/// One campaign. Its start is woken by an Orleans reminder: the members of its segment are told (a page of the roster
/// per step, the position saved, so a crash resumes and the inbox drops repeats). Its window, not a flag, decides
/// where multipliers apply and its status. Points grains report their members' contributions; the figures are
/// written behind, once a second. The creation's audit entry is recorded in the grain's <see cref="Outbox"/> with the
/// campaign, so a crash before the log has it does not lose it (a retried create finds the campaign and stops).
/// </summary>
public sealed partial class CampaignGrain(
    [PersistentState("campaign", StorageNames.Main)] IPersistentState<CampaignState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<ScheduleOptions> schedule,
    IOptions<OutboxOptions> outboxOptions,
    ILogger<CampaignGrain> logger) : Grain, ICampaignGrain, IRemindable
{
    private const string ReminderName = "campaign";
    private const int RosterPage = 500;
    private const int PagesPerTick = 20;

    // The admin found the entry in the log when answered; they still do in the normal case (bounded: it stays owed).

    private readonly StateWriter<CampaignState> _writer = new(state);
    private CampaignKey _key;
    private Outbox _outbox = null!;
    private WriteBehind? _writeBehind;

    private WriteBehind Figures => _writeBehind ??= new(this, _ => _writer.Write(), ex => LogFlushFailed(logger, ex, this.GetPrimaryKeyString()));

    private CampaignState S => _writer.State;

    private string CommunityId => _key.CommunityId;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = CampaignKey.Parse(this.GetPrimaryKeyString());
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger);
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public async Task<Campaign> Create(NewCampaign campaign, Actor caller)
    {
        var c = campaign;
        if (S.Campaign is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Campaign '{c.Id}' already exists.");
        }

        await ModerationRoles.Require(GrainFactory, CommunityId, caller, Access.Permissions.ManageCampaigns, "Running campaigns needs the manage_campaigns permission (admins and the owner hold it by default).");
        CampaignRules.RequireValid(c, clock.GetUtcNow());
        var segment = c.Segment ?? Segment.Everyone;
        await GrainFactory.GetGrain<IProfileFieldsGrain>(CommunityId).RequireValid(segment);
        var sessionChannels = new List<string>();
        foreach (var eventId in c.Scope?.EventIds ?? [])
        {
            try
            {
                sessionChannels.AddRange((await GrainFactory.Event(new EventKey(CommunityId, eventId)).Get()).Sessions.Select(s => s.ChannelId));
            }
            catch (CommunityException ex) when (ex.Code == ErrorCodes.NotFound)
            {
                throw CommunityException.Invalid($"The scope names event '{eventId}', which does not exist.");
            }
        }

        // The directory first: it refuses when full, before anything else exists. A retry re-adds the same id.
        var challenges = c.Challenges ?? [];
        var created = new Campaign(CommunityId, c.Id, c.Title.Trim(), c.Description?.Trim() ?? "", c.StartsAt, c.EndsAt, c.Multiplier,
            c.Scope ?? CampaignScope.Everywhere, segment, [.. (c.Actions ?? []).Distinct(StringComparer.Ordinal)], [.. challenges.Select(ch => $"{c.Id}-{ch.Id}")],
            sessionChannels, caller.UserId, "", new CampaignFigures(0, 0, 0));
        await GrainFactory.GetGrain<ICampaignDirectoryGrain>(CommunityId).Add(created);
        foreach (var ch in challenges)
        {
            try
            {
                await GrainFactory.GetGrain<IChallengesGrain>(CommunityId).Create(CampaignRules.ToChallenge(c, ch), caller);
            }
            catch (CommunityException ex) when (ex.Code == ErrorCodes.AlreadyExists)
            {
                // A retried create: the challenge is already there.
            }
        }

        S.Campaign = created;
        var audit = _outbox.Add(new AppendAudit(CommunityId, caller.UserId, "campaign", c.Id, $"{S.Campaign.Title}: ×{c.Multiplier} for {segment}, {c.StartsAt:u} – {c.EndsAt:u}"));
        await _outbox.Store();
        await _outbox.Settled(audit);
        await ScheduleNext();
        return Current();
    }

    public Task<Campaign> Get() => Task.FromResult(Current());

    public Task Record(CampaignContribution contribution)
    {
        Current();
        S.Participants += contribution.NewParticipant ? 1 : 0;
        S.Posts += contribution.Posts;
        S.Points += contribution.Points;
        Figures.Changed();
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == Outbox.ReminderName)
        {
            await _outbox.Tick();
            return;
        }

        if (reminderName != ReminderName || S.Campaign is not { } c)
        {
            return;
        }

        var now = clock.GetUtcNow();
        if (!S.Started && now >= c.EndsAt)
        {
            // The whole window passed unseen (its silo was down): a start notice now would announce what is over.
            S.Started = true;
            await _writer.Write();
        }
        else if (!S.Started && now >= c.StartsAt)
        {
            await NotifyStart(c);
        }

        await ScheduleNext();
    }

    /// <summary>Up to <see cref="PagesPerTick"/> pages of the roster per tick; <see cref="CampaignState.Started"/> once all are done.</summary>
    private async Task NotifyStart(Campaign c)
    {
        var roster = GrainFactory.GetGrain<IMemberChangeFeedGrain>(CommunityId);
        for (var page = 0; page < PagesPerTick; page++)
        {
            var (users, next) = await roster.Members(S.NotifiedUpTo, RosterPage);
            if (users.Count == 0)
            {
                S.Started = true;
                await _writer.Write();
                return;
            }

            var text = $"The campaign “{c.Title}” has started: ×{c.Multiplier:0.##} points until {c.EndsAt:u}.";
            await Task.WhenAll(users.Select(async user =>
            {
                var member = await GrainFactory.Member(CommunityId, user).Get();
                if (member is not null && c.Segment.Matches(member.Profile))
                {
                    await GrainFactory.GetGrain<INotificationInboxGrain>(user).Post(
                        new NotificationDraft(CommunityId, NotificationKinds.CampaignStarted, text, $"campaign-start:{CommunityId}:{c.Id}"));
                }
            }));
            S.NotifiedUpTo = next;
            await _writer.Write();
        }
    }

    private Task ScheduleNext()
    {
        var c = S.Campaign!;
        return Wakeups.WakeAt(this, ReminderName, S.Started ? null : c.StartsAt, clock.GetUtcNow(), schedule.Value.CheckEvery);
    }

    private Campaign Current() =>
        S.Campaign is { } c
            ? c with { Status = CampaignRules.StatusAt(c, clock.GetUtcNow()), Figures = new CampaignFigures(S.Participants, S.Posts, S.Points) }
            : throw CommunityException.NotFound($"Campaign '{this.GetPrimaryKeyString()}'");

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await Figures.Flush(cancellationToken);
        await _outbox.Deactivating(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the figures of campaign {Campaign} failed; will retry")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, string campaign);
}

[GenerateSerializer, Alias("cs.CampaignDirectoryState")]
public sealed class CampaignDirectoryState
{
    [Id(0)] public List<Campaign> Campaigns { get; set; } = [];
}

/// <summary>The campaigns points grains apply: at most <see cref="MaxKept"/>, each kept until 30 days after its end.</summary>
public sealed class CampaignDirectoryGrain(
    [PersistentState("campaigns", StorageNames.Main)] IPersistentState<CampaignDirectoryState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    Communities.CommunityLookups lookups) : Grain, ICampaignDirectoryGrain
{
    public const int MaxKept = 50;
    private static readonly TimeSpan KeptAfterEnd = TimeSpan.FromDays(30);
    private readonly StateWriter<CampaignDirectoryState> _writer = new(state);

    private CampaignDirectoryState S => _writer.State;

    public async Task Add(Campaign campaign)
    {
        S.Campaigns.RemoveAll(c => c.EndsAt + KeptAfterEnd < clock.GetUtcNow() || c.Id == campaign.Id);
        if (S.Campaigns.Count >= MaxKept)
        {
            throw CommunityException.Invalid($"At most {MaxKept} campaigns may be scheduled, running or recent at once.");
        }

        S.Campaigns.Add(campaign);
        await _writer.Write();
        lookups.Forget(this.GetPrimaryKeyString(), Communities.CommunityLookups.Setting.Campaigns);
    }

    public Task<IReadOnlyList<Campaign>> List() =>
        Task.FromResult<IReadOnlyList<Campaign>>([.. S.Campaigns.Where(c => c.EndsAt + KeptAfterEnd >= clock.GetUtcNow()).OrderBy(c => c.StartsAt)]);
}
