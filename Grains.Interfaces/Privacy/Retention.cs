namespace CommunityScale.Privacy;

/// <summary>
/// How long a community keeps chat messages: <see cref="MessageDays"/> days (0 = for ever). Older messages become
/// tombstones: the seq stays (ordering and gap filling hold), author, text, reactions and attachments go.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.RetentionPolicy")]
public sealed record RetentionPolicy([property: Id(0)] int MessageDays, [property: Id(1)] DateTimeOffset? LastPurgeAt = null)
{
    public const int MaxDays = 36_500;
}

/// <summary>A community's retention (key: community id): admins set it; an Orleans reminder purges once a day.</summary>
[Alias("cs.IRetentionGrain")]
public interface IRetentionGrain : IGrainWithStringKey
{
    [Alias("Get")]
    Task<RetentionPolicy> Get();

    /// <summary>Sets the retention (admins and the owner; audited); a shorter one is applied within a minute.</summary>
    [Alias("Set")]
    Task<RetentionPolicy> Set(int messageDays, Communities.Actor caller);
}
