namespace CommunityScale.Options;

/// <summary>
/// The clock the community's rules read (windows, days, weeks, reminders' due times), registered as a keyed
/// <see cref="TimeProvider"/>. It is separate from the one Orleans itself uses so a test can move community time
/// forward (a week of activity, a session about to start) without moving membership, messaging or stream timers.
/// </summary>
public static class DomainClock
{
    public const string Key = "community-domain";
}
