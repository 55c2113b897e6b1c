namespace CommunityScale.Errors;

/// <summary>
/// A refused call: carries a stable <see cref="Code"/> from <see cref="ErrorCodes"/> and a reason a person can read.
/// Grains throw it; the gateway turns it into a HubException ("code: reason") or RFC 7807 problem details.
/// </summary>
[GenerateSerializer, Alias("cs.CommunityException")]
public sealed class CommunityException : Exception
{
    public CommunityException(string code, string reason) : base(reason) => Code = code;

    [Id(0)]
    public string Code { get; }

    public string Reason => Message;

    public static CommunityException NotFound(string what) => new(ErrorCodes.NotFound, $"{what} does not exist.");

    public static CommunityException Invalid(string reason) => new(ErrorCodes.Invalid, reason);
}
