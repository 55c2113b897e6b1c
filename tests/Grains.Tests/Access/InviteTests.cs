using CommunityScale.Access;

namespace CommunityScale.Grains.Tests.Access;

[Trait("Area", "Roles")]
public sealed class InviteTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_invite_is_refused_once_revoked_expired_or_used_up()
    {
        var invite = new Invite("abc", "olga", Now, Now.AddHours(1), MaxUses: 2);
        Assert.Null(invite.RefusalAt(Now));
        Assert.Null((invite with { Uses = 1 }).RefusalAt(Now.AddMinutes(59)));
        Assert.Equal("This invite has expired.", invite.RefusalAt(Now.AddHours(1)));
        Assert.Equal("This invite has been used up.", (invite with { Uses = 2 }).RefusalAt(Now));
        Assert.Equal("This invite was revoked.", (invite with { Revoked = true }).RefusalAt(Now));
        Assert.Null((invite with { MaxUses = 0, Uses = 1_000 }).RefusalAt(Now));
    }
}
