using CommunityScale.Privacy;

namespace CommunityScale.Grains.Tests;

[Trait("Area", "Insights")]
public sealed class PseudonymTests
{
    [Theory]
    [InlineData("warn erin1: spam", "warn erased-x: spam")]
    [InlineData("thanks @erin1!", "thanks @erased-x!")]
    [InlineData("live#4 by erin1", "live#4 by erased-x")]
    [InlineData("erin12 and erin1-b are other people", "erin12 and erin1-b are other people")]
    [InlineData("Warned Erin Quinn for spam", "Warned erased-x for spam")]
    [InlineData("warned erin quinn", "warned erased-x")]
    [InlineData("", "")]
    public void Scrub_replaces_the_id_and_the_name_as_whole_words_only(string text, string expected) =>
        Assert.Equal(expected, new Pseudonym("erin1", "Erin Quinn", "erased-x").Scrub(text));

    [Fact]
    public void New_pseudonyms_are_random_and_say_what_they_are()
    {
        var (a, b) = (Pseudonym.NewValue(), Pseudonym.NewValue());
        Assert.NotEqual(a, b);
        Assert.Matches("^erased-[0-9a-f]{12}$", a);
    }

    [Fact]
    public void A_name_with_regex_characters_is_matched_literally()
    {
        var names = new Pseudonym("u1", "Ann (admin) + co.", "erased-y");
        Assert.Equal("hi erased-y", names.Scrub("hi Ann (admin) + co."));
        Assert.Equal("Ann admin co", names.Scrub("Ann admin co"));
    }
}
