using CommunityScale.Moderation;

namespace CommunityScale.Grains.Tests.Moderation;

[Trait("Area", "Moderation")]
public sealed class AutoSlowModeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_burst_over_the_threshold_turns_slow_mode_on_and_a_calm_minute_turns_it_off()
    {
        var controller = new AutoSlowModeController(threshold: 20);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(AutoSlowModeChange.None, controller.MessageAccepted(T0.AddMilliseconds(i * 100)));
        }

        Assert.Equal(AutoSlowModeChange.TurnOn, controller.MessageAccepted(T0.AddSeconds(2.1)));
        Assert.True(controller.Active);
        Assert.Equal(AutoSlowModeChange.None, controller.MessageAccepted(T0.AddSeconds(2.2)));

        // Still busy at 12 s (over half the threshold in the last 10 s): stays on.
        for (var i = 0; i < 12; i++)
        {
            controller.MessageAccepted(T0.AddSeconds(5 + (i * 0.5)));
        }

        Assert.Equal(AutoSlowModeChange.None, controller.Evaluate(T0.AddSeconds(12)));
        // Calm from 21 s on; off once it has been calm for a minute.
        Assert.Equal(AutoSlowModeChange.None, controller.Evaluate(T0.AddSeconds(21)));
        Assert.Equal(AutoSlowModeChange.None, controller.Evaluate(T0.AddSeconds(70)));
        Assert.Equal(AutoSlowModeChange.TurnOff, controller.Evaluate(T0.AddSeconds(82)));
        Assert.False(controller.Active);
    }

    [Fact]
    public void A_steady_rate_under_the_threshold_never_triggers_and_zero_disables_it()
    {
        var steady = new AutoSlowModeController(threshold: 20);
        for (var i = 0; i < 600; i++)
        {
            Assert.Equal(AutoSlowModeChange.None, steady.MessageAccepted(T0.AddSeconds(i * 0.6)));
        }

        var off = new AutoSlowModeController(threshold: 0);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(AutoSlowModeChange.None, off.MessageAccepted(T0));
        }
    }
}
