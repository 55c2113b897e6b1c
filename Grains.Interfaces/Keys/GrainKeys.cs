using System.Globalization;

namespace CommunityScale;

// The composite keys of grains. Each is built, formatted and parsed here only: ids never contain '/', so the parts of
// a key are its '/'-separated segments, and a key's string form is what Orleans stores and routes by.

/// <summary>A grain that belongs to one member of one community (membership, points, privacy): <c>community/user</c>.</summary>
[GenerateSerializer, Immutable, Alias("cs.MemberKey")]
public readonly record struct MemberKey([property: Id(0)] string CommunityId, [property: Id(1)] string UserId)
{
    public override string ToString() => $"{CommunityId}/{UserId}";

    public static string For(string communityId, string userId) => new MemberKey(communityId, userId).ToString();

    public static MemberKey Parse(string key) => KeyParts.Two(key, "member", (c, u) => new MemberKey(c, u));
}

/// <summary>A numbered page of something paged (history, reactions, forum posts, the audit log): <c>owner/index</c>.</summary>
public readonly record struct PageKey(string Owner, long Index)
{
    public override string ToString() => $"{Owner}/{Index.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>An event of a community: <c>community/event</c>.</summary>
public readonly record struct EventKey(string CommunityId, string EventId)
{
    public override string ToString() => $"{CommunityId}/{EventId}";

    public static EventKey Parse(string key) => KeyParts.Two(key, "event", (c, e) => new EventKey(c, e));

    public SessionKey Session(string sessionId) => new(this, sessionId);
}

/// <summary>A session of an event (its Q&amp;A board): <c>community/event/session</c>.</summary>
public readonly record struct SessionKey(EventKey Event, string SessionId)
{
    public override string ToString() => $"{Event}/{SessionId}";

    public static SessionKey Parse(string key)
    {
        var last = key.LastIndexOf('/');
        return last <= 0 ? throw new FormatException($"'{key}' is not a session key.") : new(EventKey.Parse(key[..last]), key[(last + 1)..]);
    }

    /// <summary>A question or poll of the session: <c>community/event/session/item</c>.</summary>
    public SessionItemKey Item(string itemId) => new(this, itemId);
}

/// <summary>A question or a poll of a session: <c>community/event/session/item</c>.</summary>
public readonly record struct SessionItemKey(SessionKey Session, string ItemId)
{
    public override string ToString() => $"{Session}/{ItemId}";

    public static SessionItemKey Parse(string key)
    {
        var last = key.LastIndexOf('/');
        return last <= 0 ? throw new FormatException($"'{key}' is not a session item key.") : new(SessionKey.Parse(key[..last]), key[(last + 1)..]);
    }
}

/// <summary>A campaign of a community: <c>community/campaign</c>.</summary>
public readonly record struct CampaignKey(string CommunityId, string CampaignId)
{
    public override string ToString() => $"{CommunityId}/{CampaignId}";

    public static CampaignKey Parse(string key) => KeyParts.Two(key, "campaign", (c, id) => new CampaignKey(c, id));
}

/// <summary>One ISO week of a community's KPIs: <c>community/2026-W48</c>.</summary>
public readonly record struct KpiWeekKey(string CommunityId, string Week)
{
    public override string ToString() => $"{CommunityId}/{Week}";

    public static KpiWeekKey Parse(string key) => KeyParts.Two(key, "KPI week", (c, w) => new KpiWeekKey(c, w));
}

/// <summary>A leaderboard of a community (all-time, a week, a channel, a campaign): <c>community/board</c>.</summary>
public readonly record struct BoardKey(string CommunityId, string Board)
{
    public override string ToString() => $"{CommunityId}/{Board}";

    public static BoardKey Parse(string key) => KeyParts.Two(key, "board", (c, b) => new BoardKey(c, b));

    public BoardShardKey Shard(int shard) => new(this, shard);
}

/// <summary>One shard of a leaderboard: <c>community/board/shard</c>.</summary>
public readonly record struct BoardShardKey(BoardKey Board, int Shard)
{
    public override string ToString() => $"{Board}/{Shard.ToString(CultureInfo.InvariantCulture)}";

    public static BoardShardKey Parse(string key)
    {
        var last = key.LastIndexOf('/');
        return last <= 0 || !int.TryParse(key.AsSpan(last + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var shard)
            ? throw new FormatException($"'{key}' is not a board shard key.")
            : new(BoardKey.Parse(key[..last]), shard);
    }
}

/// <summary>An uploaded file of a community: <c>community/attachment</c>.</summary>
public readonly record struct AttachmentKey(string CommunityId, string AttachmentId)
{
    public override string ToString() => $"{CommunityId}/{AttachmentId}";

    public static AttachmentKey Parse(string key) => KeyParts.Two(key, "attachment", (c, a) => new AttachmentKey(c, a));
}

/// <summary>A webhook endpoint of a community: <c>community/endpoint</c>.</summary>
public readonly record struct WebhookEndpointKey(string CommunityId, string EndpointId)
{
    public override string ToString() => $"{CommunityId}/{EndpointId}";

    public static WebhookEndpointKey Parse(string key) => KeyParts.Two(key, "webhook endpoint", (c, e) => new WebhookEndpointKey(c, e));
}

internal static class KeyParts
{
    public static T Two<T>(string key, string what, Func<string, string, T> make)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 || slash == key.Length - 1 || key.IndexOf('/', slash + 1) >= 0
            ? throw new FormatException($"'{key}' is not a {what} key.")
            : make(key[..slash], key[(slash + 1)..]);
    }
}
