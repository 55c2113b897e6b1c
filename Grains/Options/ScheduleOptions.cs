using System.ComponentModel.DataAnnotations;

namespace CommunityScale.Options;

/// <summary>How grains with something due later (session reminders, campaign start and end) are woken; <c>Schedule</c> section.</summary>
public sealed class ScheduleOptions
{
    public const string Section = "Schedule";

    /// <summary>
    /// The longest a scheduled grain sleeps before looking at the clock again: its Orleans reminder fires at the due
    /// time or after this, whichever is first, and then every this often until nothing is left. Orleans refuses
    /// reminder periods under its <c>MinimumReminderPeriod</c> (one minute unless <c>Reminders:MinimumReminderPeriod</c> lowers it).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromMinutes(1);
}
