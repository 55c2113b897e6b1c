using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Privacy;

[GenerateSerializer, Alias("cs.RetentionState")]
public sealed class RetentionState
{
    [Id(0)] public RetentionPolicy Policy { get; set; } = new(0);

    /// <summary>The audit entries of policy changes, still owed.</summary>
    [Id(1)] public OutboxState Outbox { get; set; } = new();
}

/// <summary>
/// Purges a community's chat messages past their retention. An Orleans reminder wakes it when the next purge is due
/// (a day after the last; at once after the retention shortens), so purges happen even if nobody is online. Each
/// channel remembers which pages hold only tombstones, so a daily purge reads only the pages that just aged out. A
/// change's audit entry is stored with it in the grain's <see cref="Outbox"/>.
/// </summary>
public sealed class RetentionGrain(
    [PersistentState("retention", StorageNames.Main)] IPersistentState<RetentionState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<ScheduleOptions> schedule,
    IOptions<OutboxOptions> outboxOptions,
    ILogger<RetentionGrain> logger) : Grain, IRetentionGrain, IRemindable
{
    private const string ReminderName = "retention";
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromDays(1);

    private readonly StateWriter<RetentionState> _writer = new(state);
    private Outbox _outbox = null!;

    private string CommunityId => this.GetPrimaryKeyString();

    private RetentionState S => _writer.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _outbox = new Outbox(this, GrainFactory, () => S.Outbox, _writer.Write, outboxOptions.Value, logger);
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public Task<RetentionPolicy> Get() => Task.FromResult(S.Policy);

    public async Task<RetentionPolicy> Set(int messageDays, Actor caller)
    {
        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only the community's admins and owner set its retention.");
        if (messageDays is < 0 or > RetentionPolicy.MaxDays)
        {
            throw CommunityException.Invalid($"messageDays must be between 0 (keep for ever) and {RetentionPolicy.MaxDays}.");
        }

        var shorter = messageDays > 0 && (S.Policy.MessageDays == 0 || messageDays < S.Policy.MessageDays);
        S.Policy = S.Policy with { MessageDays = messageDays, LastPurgeAt = shorter ? null : S.Policy.LastPurgeAt };
        await _outbox.StoreAndWait(new AppendAudit(CommunityId, caller.UserId, "retention", CommunityId,
            messageDays == 0 ? "chat messages are kept for ever" : $"chat messages are purged after {messageDays} days"));
        await Schedule();
        return S.Policy;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == Outbox.ReminderName)
        {
            await _outbox.Tick();
            return;
        }

        var policy = S.Policy;
        var now = clock.GetUtcNow();
        if (policy.MessageDays > 0 && (policy.LastPurgeAt is not { } last || now >= last + PurgeEvery))
        {
            var before = now - TimeSpan.FromDays(policy.MessageDays);
            foreach (var channel in await GrainFactory.GetGrain<ICommunityGrain>(CommunityId).ListChannels())
            {
                await GrainFactory.Channel(new ChannelKey(CommunityId, channel.Id)).Purge(before);
            }

            S.Policy = policy with { LastPurgeAt = now };
            await _writer.Write();
        }

        await Schedule();
    }

    private Task Schedule()
    {
        var policy = S.Policy;
        DateTimeOffset? due = policy.MessageDays == 0 ? null : policy.LastPurgeAt is { } last ? last + PurgeEvery : clock.GetUtcNow();
        return Wakeups.WakeAt(this, ReminderName, due, clock.GetUtcNow(), schedule.Value.CheckEvery);
    }
}
