namespace CommunityScale.Communities;

/// <summary>
/// An admin-defined profile field (e.g. role, industry, interests) with the values members may choose; segments are
/// filters over these. <see cref="Multiple"/> fields (interests) take several values, the others one.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.ProfileField")]
public sealed record ProfileField(
    [property: Id(0)] string Id,
    [property: Id(1)] string Label,
    [property: Id(2)] IReadOnlyList<string> Values,
    [property: Id(3)] bool Multiple = false);

/// <summary>
/// A segment: members whose profile has, for every field named, the value given (for a multiple-choice field: among
/// theirs). Empty: everyone.
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.Segment")]
public sealed record Segment([property: Id(0)] IReadOnlyDictionary<string, string> Where)
{
    public static Segment Everyone { get; } = new(new Dictionary<string, string>());

    public bool Matches(IReadOnlyDictionary<string, IReadOnlyList<string>>? profile) =>
        Where.All(w => profile is not null && profile.TryGetValue(w.Key, out var values) && values.Contains(w.Value, StringComparer.Ordinal));

    public override string ToString() => Where.Count == 0 ? "everyone" : string.Join(" and ", Where.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key}={w.Value}"));
}

/// <summary>A community's profile fields (key: community id). Admins define them; members fill them in.</summary>
[Alias("cs.IProfileFieldsGrain")]
public interface IProfileFieldsGrain : IGrainWithStringKey
{
    [Alias("Get")]
    Task<IReadOnlyList<ProfileField>> Get();

    /// <summary>Replaces the fields (admins). Values members chose that no longer exist are ignored when matching.</summary>
    [Alias("Define")]
    Task<IReadOnlyList<ProfileField>> Define(IReadOnlyList<ProfileField> fields, Actor caller);

    /// <summary>Checks <paramref name="profile"/> against the fields and stores it on the caller's membership.</summary>
    [Alias("SetMemberProfile")]
    Task<MemberInfo> SetMemberProfile(IReadOnlyDictionary<string, IReadOnlyList<string>> profile, Actor caller);

    /// <summary>Throws <c>invalid</c> unless every field and value of <paramref name="segment"/> is defined.</summary>
    [Alias("RequireValid")]
    Task RequireValid(Segment segment);
}
