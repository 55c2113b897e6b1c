using CommunityScale.FollowUps;

namespace CommunityScale.Moderation;

/// <summary>
/// For decisions whose follow-ups the people involved expect with the answer (a moderator reads the audit log next, a
/// member the notice): they are recorded and stored with the change like any follow-up, then the answer waits a little
/// for them to arrive. Longer, they stay owed and arrive later, so a slow receiver never fails the decision.
/// </summary>
public static class AnsweredFollowUps
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);

    /// <summary>Records <paramref name="followUps"/>, stores them with the state, and waits (at most <see cref="Wait"/>) until they arrived.</summary>
    public static async Task StoreAndWait(this Outbox outbox, params IEnumerable<FollowUp?> followUps)
    {
        var recorded = outbox.AddRange(followUps);
        await outbox.Store();
        if (recorded.Count > 0)
        {
            // Delivered in order: once the last is out, so are the ones before it.
            await outbox.Settled(recorded[^1], Wait);
        }
    }
}
