namespace CommunityScale.Privacy;

/// <summary>
/// A community's guidelines as published: members accept a <see cref="Version"/> when they join, and again when an admin
/// publishes a new one. Version 0 means none were published yet (joining then records consent to version 0).
/// </summary>
[GenerateSerializer, Immutable, Alias("cs.Guidelines")]
public sealed record Guidelines(
    [property: Id(0)] int Version,
    [property: Id(1)] string Text,
    [property: Id(2)] DateTimeOffset? PublishedAt)
{
    public const int MaxTextLength = 20_000;

    public static Guidelines None { get; } = new(0, "", null);
}

/// <summary>What a member agrees to (<c>POST …/members</c> body, <c>PUT …/members/me/consent</c>).</summary>
[GenerateSerializer, Immutable, Alias("cs.ConsentGiven")]
public sealed record ConsentGiven([property: Id(0)] int GuidelinesVersion, [property: Id(1)] bool Marketing = false);

/// <summary>One entry of a member's consent history: what they agreed to, when, and on what occasion (<see cref="ConsentReasons"/>).</summary>
[GenerateSerializer, Immutable, Alias("cs.ConsentRecord")]
public sealed record ConsentRecord(
    [property: Id(0)] int GuidelinesVersion,
    [property: Id(1)] bool Marketing,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string Reason);

public static class ConsentReasons
{
    public const string Join = "join";
    public const string Renewed = "renewed";
    public const string Changed = "changed";
}

/// <summary>A member's consent now (<c>GET …/members/me/consent</c>): the guidelines in force, whether they must accept them again, and the history.</summary>
[GenerateSerializer, Immutable, Alias("cs.ConsentStatus")]
public sealed record ConsentStatus(
    [property: Id(0)] Guidelines Current,
    [property: Id(1)] int AcceptedVersion,
    [property: Id(2)] bool Marketing,
    [property: Id(3)] bool Required,
    [property: Id(4)] IReadOnlyList<ConsentRecord> History);
