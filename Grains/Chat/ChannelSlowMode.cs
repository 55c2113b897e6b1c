using CommunityScale.Access;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Moderation;

namespace CommunityScale.Chat;

/// <summary>
/// A channel's slow mode: the moderators' setting (stored in the channel's state) and the automatic one a burst switches
/// on for a while (in memory, audited), whichever is longer.
/// </summary>
public sealed class ChannelSlowMode(IGrainBase grain, ChannelKey key, Func<ChannelState> state, ChannelWriter writer, ChannelAccess access,
    Func<ModerationPolicy> policy, TimeProvider clock)
{
    public const int MaxSeconds = 6 * 60 * 60;
    private AutoSlowModeController _auto = new(0);
    private int _autoSeconds;
    private IGrainTimer? _timer;

    /// <summary>Seconds a member waits between messages now.</summary>
    public int Effective => Math.Max(state().SlowModeSeconds, _autoSeconds);

    public async Task Set(int seconds, Actor caller)
    {
        if (seconds is < 0 or > MaxSeconds)
        {
            throw CommunityException.Invalid($"Slow mode must be between 0 (off) and {MaxSeconds} seconds.");
        }

        await access.RequireMember(caller.UserId, Permissions.ManageMessages, "set slow mode");
        await writer.Change(s =>
        {
            var previous = s.SlowModeSeconds;
            s.SlowModeSeconds = seconds;
            return new ChannelChange(() => s.SlowModeSeconds = previous,
                [new AppendAudit(key.CommunityId, caller.UserId, "slow_mode", key.ChannelId, seconds == 0 ? "off" : $"{seconds} s")]);
        });
    }

    public Task MessageAccepted(DateTimeOffset now) => Apply(_auto.MessageAccepted(now));

    /// <summary>The policy's burst threshold, refreshed with the policy.</summary>
    public void PolicyFetched(ModerationPolicy fetched)
    {
        if (fetched.AutoSlowModeThreshold != _auto.Threshold)
        {
            _auto = new AutoSlowModeController(fetched.AutoSlowModeThreshold);
        }
    }

    /// <summary>Switches automatic slow mode on or off as the controller decided, audited like a moderator's change.</summary>
    private async Task Apply(AutoSlowModeChange change)
    {
        string reason;
        switch (change)
        {
            case AutoSlowModeChange.TurnOn:
                _autoSeconds = policy().AutoSlowModeSeconds;
                _timer ??= grain.RegisterGrainTimer(
                    _ => Apply(_auto.Evaluate(clock.GetUtcNow())),
                    new GrainTimerCreationOptions(AutoSlowModeController.Window, AutoSlowModeController.Window) { Interleave = true });
                reason = $"on: {_auto.RecentMessages} messages in {AutoSlowModeController.Window.TotalSeconds:0} s; {_autoSeconds} s between messages";
                break;
            case AutoSlowModeChange.TurnOff:
                _autoSeconds = 0;
                _timer?.Dispose();
                _timer = null;
                reason = $"off: calm for {AutoSlowModeController.CoolDown.TotalSeconds:0} s";
                break;
            default:
                return;
        }

        await writer.Owe(new AppendAudit(key.CommunityId, "auto-moderation", "auto_slow_mode", key.ChannelId, reason));
    }
}
