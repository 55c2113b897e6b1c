using CommunityScale.Chat;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CommunityScale.Privacy;

[GenerateSerializer, Alias("cs.RetentionState")]
public sealed class RetentionState
{
    [Id(0)] public RetentionPolicy Policy { get; set; } = new(0);
}

/// <summary>
/// Purges a community's chat messages past their retention. An Orleans reminder wakes it when the next purge is due
/// (a day after the last; at once after the retention shortens), so purges happen even if nobody is online. Each
/// channel remembers which pages hold only tombstones, so a daily purge reads only the pages that just aged out.
/// </summary>
public sealed class RetentionGrain(
    [PersistentState("retention", StorageNames.Main)] IPersistentState<RetentionState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<ScheduleOptions> schedule) : Grain, IRetentionGrain, IRemindable
{
    private const string ReminderName = "retention";
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromDays(1);

    private string CommunityId => this.GetPrimaryKeyString();

    public Task<RetentionPolicy> Get() => Task.FromResult(state.State.Policy);

    public async Task<RetentionPolicy> Set(int messageDays, Actor caller)
    {
        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only the community's admins and owner set its retention.");
        if (messageDays is < 0 or > RetentionPolicy.MaxDays)
        {
            throw CommunityException.Invalid($"messageDays must be between 0 (keep for ever) and {RetentionPolicy.MaxDays}.");
        }

        var shorter = messageDays > 0 && (state.State.Policy.MessageDays == 0 || messageDays < state.State.Policy.MessageDays);
        state.State.Policy = state.State.Policy with { MessageDays = messageDays, LastPurgeAt = shorter ? null : state.State.Policy.LastPurgeAt };
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IAuditLogGrain>(CommunityId).Append(caller.UserId, "retention", CommunityId,
            messageDays == 0 ? "chat messages are kept for ever" : $"chat messages are purged after {messageDays} days");
        await Schedule();
        return state.State.Policy;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var policy = state.State.Policy;
        var now = clock.GetUtcNow();
        if (policy.MessageDays > 0 && (policy.LastPurgeAt is not { } last || now >= last + PurgeEvery))
        {
            var before = now - TimeSpan.FromDays(policy.MessageDays);
            foreach (var channel in await GrainFactory.GetGrain<ICommunityGrain>(CommunityId).ListChannels())
            {
                await GrainFactory.GetGrain<IChannelGrain>(new ChannelKey(CommunityId, channel.Id).ToString()).Purge(before);
            }

            state.State.Policy = policy with { LastPurgeAt = now };
            await state.WriteStateAsync();
        }

        await Schedule();
    }

    private Task Schedule()
    {
        var policy = state.State.Policy;
        DateTimeOffset? due = policy.MessageDays == 0 ? null : policy.LastPurgeAt is { } last ? last + PurgeEvery : clock.GetUtcNow();
        return Wakeups.WakeAt(this, ReminderName, due, clock.GetUtcNow(), schedule.Value.CheckEvery);
    }
}
