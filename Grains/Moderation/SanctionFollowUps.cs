using CommunityScale.FollowUps;
using CommunityScale.Notifications;

namespace CommunityScale.Moderation;

/// <summary>
/// What a sanction's change tells: its audit entry and the member's notice. The member grain records them in its outbox
/// with the change, so the wording lives here, next to the moderation that decides, and the durability there.
/// </summary>
public static class SanctionFollowUps
{
    public static IEnumerable<FollowUp> Imposed(string communityId, string userId, Sanction sanction, int strikes)
    {
        var action = sanction.Kind switch { SanctionKind.Warning => "warn", SanctionKind.Mute => "mute", _ => "ban" };
        yield return new AppendAudit(communityId, sanction.By, action, userId, sanction.Until is { } until ? $"until {until:u}: {sanction.Reason}" : sanction.Reason);
        var text = sanction.Kind switch
        {
            SanctionKind.Warning => $"You received a warning ({strikes} active): {sanction.Reason}",
            SanctionKind.Mute => $"You are muted until {sanction.Until:u}: {sanction.Reason}",
            _ => $"You are banned from this community: {sanction.Reason}",
        };
        var kind = sanction.Kind switch { SanctionKind.Warning => NotificationKinds.Warning, SanctionKind.Mute => NotificationKinds.Muted, _ => NotificationKinds.Banned };
        yield return Notice(communityId, userId, kind, $"{text} You may appeal it once.", $"sanction:{sanction.Id}");
    }

    public static IEnumerable<FollowUp> Lifted(string communityId, string userId, SanctionKind kind, ModerationNote note)
    {
        var action = kind == SanctionKind.Ban ? "unban" : "unmute";
        yield return new AppendAudit(communityId, note.By, action, userId, note.Reason);
        // Each lift is its own notice: the source is new every time, and the follow-up carries it to any repeat.
        yield return Notice(communityId, userId, NotificationKinds.SanctionLifted, $"A moderator lifted your {Describe(kind)}.", $"{action}:{Guid.NewGuid():n}");
    }

    public static IEnumerable<FollowUp> Revoked(string communityId, string userId, Sanction sanction, ModerationNote note)
    {
        yield return new AppendAudit(communityId, note.By, "revoke", userId, $"{sanction.Kind.ToString().ToLowerInvariant()} {sanction.Id}: {note.Reason}");
        yield return Notice(communityId, userId, NotificationKinds.SanctionLifted,
            $"A moderator withdrew your {Describe(sanction.Kind)}{(string.IsNullOrWhiteSpace(note.Reason) ? "." : $": {note.Reason}")}", $"revoke:{sanction.Id}");
    }

    public static string Describe(SanctionKind kind) => kind switch { SanctionKind.Warning => "warning", SanctionKind.Mute => "mute", _ => "ban" };

    private static SendNotices Notice(string communityId, string userId, string kind, string text, string sourceId) =>
        new([userId], new NotificationDraft(communityId, kind, text, sourceId));
}
