using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Gamification;
using CommunityScale.Insights;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Privacy;

[GenerateSerializer, Alias("cs.MemberPrivacyState")]
public sealed class MemberPrivacyState
{
    [Id(0)] public ErasureJob? Erasure { get; set; }

    /// <summary>The erasure's audit entry, owed until the log has it (the steps wait for it: the audit step scrubs it).</summary>
    [Id(1)] public OutboxState Outbox { get; set; } = new();
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
/// A member's data in one community: the export gathers it from every store of <see cref="MemberDataStores"/>; the
/// erasure removes it from the same stores, one step each. Each step is idempotent and recorded when done, and an
/// Orleans reminder resumes the job after a crash, so an erasure that was accepted always completes. When it is done
/// nothing is kept, not even the job: the audit log keeps an <c>erase_member</c> entry under the pseudonym.
/// </summary>
public sealed partial class MemberPrivacyGrain(
    [PersistentState("privacy", StorageNames.Main)] IPersistentState<MemberPrivacyState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<ChatOptions> chatOptions,
    IOptions<OutboxOptions> outboxOptions,
    ILogger<MemberPrivacyGrain> logger) : Grain, IMemberPrivacyGrain, IRemindable
{
    private const string ReminderName = "erasure";
    private static readonly TimeSpan ResumeEvery = TimeSpan.FromMinutes(1);

    /// <summary>The steps, in order: one per store of <see cref="MemberDataStores"/>.</summary>
    public static IReadOnlyList<string> Steps => MemberDataStores.Steps;

    private readonly StateWriter<MemberPrivacyState> _writer = new(state);
    private Outbox _outbox = null!;
    private IGrainTimer? _runner;

    // Grains cache memberships (channels for MembershipCacheDuration, points grains 10 s): content steps wait until none
    // can still accept or award something for the member.
    private TimeSpan SettleTime => TimeSpan.FromSeconds(Math.Max(chatOptions.Value.MembershipCacheDuration.TotalSeconds, MemberPointsGrain.MembershipCacheSeconds) + 1);
    private bool _running;

    private MemberKey Key => MemberKey.Parse(this.GetPrimaryKeyString());

    private MemberPrivacyState S => _writer.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger);
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public async Task<MemberDataExport> Export()
    {
        var (community, user) = Key;
        var member = await GrainFactory.Member(Key).Get()
            ?? throw CommunityException.NotFound($"Member '{user}' of '{community}'");
        var scope = ScopeOf(member.DisplayName, member.JoinedAt);
        var export = new MemberDataExport(community, member, [], [], new PointsProfile(community, user, 0, 0, "", 0, null), MemberTrace.Empty, [],
            MemberDataStores.Steps, [], KpiMemberTrace.Empty, [], []);
        foreach (var store in MemberDataStores.All)
        {
            export = await store.Export(scope, export);
        }

        return export;
    }

    public async Task<ErasureStatus> Erase(Actor by)
    {
        var (community, user) = Key;
        if (S.Erasure is null)
        {
            var member = await RequireMayErase(by);
            var job = new ErasureJob
            {
                Pseudonym = Pseudonym.NewValue(), DisplayName = member.DisplayName, JoinedAt = member.JoinedAt, RequestedAt = clock.GetUtcNow(),
            };
            S.Erasure = job;
            // Written with the requester as the member asked for it: the audit step then turns their own id into the
            // pseudonym too (the steps wait until the log has it).
            var audit = _outbox.Add(new AppendAudit(community, by.UserId, "erase_member", job.Pseudonym,
                by.UserId == user ? "erasure requested by the member" : "erasure requested by an admin"));
            await _outbox.Store();
            await this.RegisterOrUpdateReminder(ReminderName, ResumeEvery, ResumeEvery);
            await _outbox.Settled(audit);
        }

        StartRunner();
        return StatusOf(S.Erasure);
    }

    public async Task<IReadOnlyList<string>> PrepareErasure(Actor by)
    {
        if (S.Erasure is not null)
        {
            return [];
        }

        var member = await RequireMayErase(by);
        var scope = ScopeOf(member.DisplayName, member.JoinedAt);
        var files = new List<string>();
        foreach (var store in MemberDataStores.All.Where(s => s.Files is not null))
        {
            files.AddRange((await store.Files!(scope)).Select(a => a.Id));
        }

        return files;
    }

    /// <summary>The member themselves, or an admin above them; never the owner (a community needs one).</summary>
    private async Task<MemberInfo> RequireMayErase(Actor by)
    {
        var (community, user) = Key;
        var requester = by.UserId == user ? null
            : await ModerationRoles.RequireAdmin(GrainFactory, community, by, "Only the community's admins and owner erase other members.");
        var member = await GrainFactory.Member(Key).Get()
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
        if (caller.UserId != Key.UserId)
        {
            await ModerationRoles.RequireAdmin(GrainFactory, Key.CommunityId, caller, "Only the member and the community's admins see an erasure.");
        }

        return S.Erasure is { } job ? StatusOf(job) : null;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == Outbox.ReminderName)
        {
            return _outbox.Tick();
        }

        StartRunner();
        return Task.CompletedTask;
    }

    private void StartRunner() =>
        _runner ??= this.RegisterGrainTimer(Run, new GrainTimerCreationOptions(TimeSpan.Zero, TimeSpan.FromSeconds(1)) { Interleave = false });

    private async Task Run(CancellationToken cancellationToken)
    {
        // The erasure's audit entry must be in the log before the audit step scrubs the log, and the record may go only
        // once nothing is owed: the timer comes back in a second.
        if (_running || S.Erasure is not { } job || _outbox.HasPending)
        {
            return;
        }

        _running = true;
        try
        {
            foreach (var store in MemberDataStores.All.Where(s => !job.Done.Contains(s.Step)))
            {
                if (store.Step != MemberDataStores.Membership && job.MembershipErasedAt is { } at && clock.GetUtcNow() < at + SettleTime)
                {
                    return;
                }

                await store.Erase(ScopeOf(job.DisplayName, job.JoinedAt), job.Pseudonym);
                if (store.Step == MemberDataStores.Membership)
                {
                    job.MembershipErasedAt = clock.GetUtcNow();
                }

                job.Done.Add(store.Step);
                await _writer.Write();
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

    private async Task Finish()
    {
        _runner?.Dispose();
        _runner = null;
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        await _writer.Clear();
        S.Erasure = null;
        DeactivateOnIdle();
    }

    private MemberScope ScopeOf(string displayName, DateTimeOffset joinedAt) =>
        new(GrainFactory, Key.CommunityId, Key.UserId, displayName, joinedAt, clock.GetUtcNow());

    private ErasureStatus StatusOf(ErasureJob job) => new(Key.CommunityId, job.RequestedAt, [.. job.Done], [.. Steps.Except(job.Done)]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An erasure step of {Member} failed; it runs again.")]
    private static partial void LogStepFailed(ILogger logger, Exception ex, string member);
}
