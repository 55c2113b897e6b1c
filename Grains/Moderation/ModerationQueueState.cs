using CommunityScale.Chat;
using CommunityScale.FollowUps;

namespace CommunityScale.Moderation;

[GenerateSerializer, Alias("cs.ModerationQueueState")]
public sealed class ModerationQueueState
{
    [Id(0)] public List<HeldMessage> Pending { get; set; } = [];

    [Id(1)] public List<ReportCase> Reports { get; set; } = [];

    [Id(2)] public List<AppealCase> Appeals { get; set; } = [];

    /// <summary>Per reporter: how many of their reports moderators upheld and dismissed (their accuracy orders the queue).</summary>
    [Id(3)] public Dictionary<string, ReporterRecord> Reporters { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Originals of the latest removed messages (history keeps only their place), so a moderator can restore them.</summary>
    [Id(4)] public List<ChatMessage> Removed { get; set; } = [];

    /// <summary>Audit entries and members' notices of decisions, still owed.</summary>
    [Id(5)] public OutboxState Outbox { get; set; } = new();
}

[GenerateSerializer, Alias("cs.ReportCase")]
public sealed class ReportCase
{
    [Id(0)] public string Id { get; set; } = "";

    [Id(1)] public ChatMessage Message { get; set; } = null!;

    [Id(2)] public List<string> Reporters { get; set; } = [];

    [Id(3)] public List<string> Reasons { get; set; } = [];

    [Id(4)] public DateTimeOffset CreatedAt { get; set; }

    [Id(5)] public bool Hidden { get; set; }

    /// <summary>Who wrote each of <see cref="Reasons"/> (same order), so an erasure takes a reporter's words with them.</summary>
    [Id(6)] public List<string> ReasonAuthors { get; set; } = [];
}

[GenerateSerializer, Alias("cs.AppealCase")]
public sealed class AppealCase
{
    [Id(0)] public string Id { get; set; } = "";

    [Id(1)] public string UserId { get; set; } = "";

    [Id(2)] public string UserName { get; set; } = "";

    [Id(3)] public Sanction Sanction { get; set; } = null!;

    [Id(4)] public string Text { get; set; } = "";

    [Id(5)] public DateTimeOffset CreatedAt { get; set; }
}

[GenerateSerializer, Alias("cs.ReporterRecord")]
public sealed class ReporterRecord
{
    [Id(0)] public int Upheld { get; set; }

    [Id(1)] public int Dismissed { get; set; }
}
