using System.ComponentModel.DataAnnotations;

namespace CommunityScale.FollowUps;

/// <summary>How grains deliver their recorded follow-ups (<see cref="Outbox"/>); the <c>FollowUps</c> section.</summary>
public sealed class OutboxOptions
{
    public const string Section = "FollowUps";

    /// <summary>
    /// The period of the reminder that brings a grain with undelivered follow-ups back after its silo died. Orleans refuses
    /// periods under its <c>MinimumReminderPeriod</c> (one minute unless <c>Reminders:MinimumReminderPeriod</c> lowers it).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The first wait before a failed delivery is tried again; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);
}
