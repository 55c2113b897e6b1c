using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Events;
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
}

/// <summary>
/// One campaign. Its start is woken by an Orleans reminder: the members of its segment are told (a page of the roster
/// per step, the position saved, so a crash resumes and the inbox drops repeats). Its window, not a flag, decides
/// where multipliers apply and its status. Points grains report their members' contributions; the figures are
/// written behind, once a second.
/// </summary>
public sealed partial class CampaignGrain(
    [PersistentState("campaign", StorageNames.Main)] IPersistentState<CampaignState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<ScheduleOptions> schedule,
    ILogger<CampaignGrain> logger) : Grain, ICampaignGrain, IRemindable
{
    private const string ReminderName = "campaign";
    private const int RosterPage = 500;
    private const int PagesPerTick = 20;
    private WriteBehind? _writeBehind;

    private WriteBehind Figures => _writeBehind ??= new(this, state.WriteStateAsync, ex => LogFlushFailed(logger, ex, this.GetPrimaryKeyString()));

    private CampaignState S => state.State;

    private string CommunityId => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().IndexOf('/', StringComparison.Ordinal)];

    public async Task<Campaign> Create(NewCampaign campaign, Actor caller)
    {
        var c = campaign;
        if (S.Campaign is not null)
        {
            throw new CommunityException(ErrorCodes.AlreadyExists, $"Campaign '{c.Id}' already exists.");
        }

        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only admins and the owner run campaigns.");
        CampaignRules.RequireValid(c, clock.GetUtcNow());
        var segment = c.Segment ?? Segment.Everyone;
        await GrainFactory.GetGrain<IProfileFieldsGrain>(CommunityId).RequireValid(segment);
        var sessionChannels = new List<string>();
        foreach (var eventId in c.Scope?.EventIds ?? [])
        {
            try
            {
                sessionChannels.AddRange((await GrainFactory.GetGrain<IEventGrain>($"{CommunityId}/{eventId}").Get()).Sessions.Select(s => s.ChannelId));
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
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IAuditLogGrain>(CommunityId).Append(caller.UserId, "campaign", c.Id,
            $"{S.Campaign.Title}: ×{c.Multiplier} for {segment}, {c.StartsAt:u} – {c.EndsAt:u}");
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
        if (reminderName != ReminderName || S.Campaign is not { } c)
        {
            return;
        }

        var now = clock.GetUtcNow();
        if (!S.Started && now >= c.EndsAt)
        {
            // The whole window passed unseen (its silo was down): a start notice now would announce what is over.
            S.Started = true;
            await state.WriteStateAsync();
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
                await state.WriteStateAsync();
                return;
            }

            var text = $"The campaign “{c.Title}” has started: ×{c.Multiplier:0.##} points until {c.EndsAt:u}.";
            await Task.WhenAll(users.Select(async user =>
            {
                var member = await GrainFactory.GetGrain<IMemberGrain>(MemberKey.For(CommunityId, user)).Get();
                if (member is not null && c.Segment.Matches(member.Profile))
                {
                    await GrainFactory.GetGrain<INotificationInboxGrain>(user).Post(
                        new NotificationDraft(CommunityId, NotificationKinds.CampaignStarted, text, $"campaign-start:{CommunityId}:{c.Id}"));
                }
            }));
            S.NotifiedUpTo = next;
            await state.WriteStateAsync();
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

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Figures.Flush(cancellationToken);

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
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock) : Grain, ICampaignDirectoryGrain
{
    public const int MaxKept = 50;
    private static readonly TimeSpan KeptAfterEnd = TimeSpan.FromDays(30);

    public async Task Add(Campaign campaign)
    {
        state.State.Campaigns.RemoveAll(c => c.EndsAt + KeptAfterEnd < clock.GetUtcNow() || c.Id == campaign.Id);
        if (state.State.Campaigns.Count >= MaxKept)
        {
            throw CommunityException.Invalid($"At most {MaxKept} campaigns may be scheduled, running or recent at once.");
        }

        state.State.Campaigns.Add(campaign);
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<Campaign>> List() =>
        Task.FromResult<IReadOnlyList<Campaign>>([.. state.State.Campaigns.Where(c => c.EndsAt + KeptAfterEnd >= clock.GetUtcNow()).OrderBy(c => c.StartsAt)]);
}
