using CommunityScale.Access;
using CommunityScale.Posting;
using CommunityScale.Threads;

namespace CommunityScale.Grains.Tests.Posting;

[Trait("Area", "Roles")]
public sealed class EveryoneMentionTests
{
    [Theory]
    [InlineData("@everyone hi", true)]
    [InlineData("hi @here", true)]
    [InlineData("(@everyone) doors open!", true)]
    [InlineData("@everyone, @here.", true)]
    [InlineData("line one\n@here", true)]
    [InlineData("email@everyone.com", false)]
    [InlineData("write to team@here", false)]
    [InlineData("@everyones", false)]
    [InlineData("@here-team", false)]
    [InlineData("@@everyone", false)]
    [InlineData("@Everyone", false)]
    [InlineData("everyone here", false)]
    [InlineData("quoting `@everyone` in code", false)]
    [InlineData("```\n@here\n```", false)]
    [InlineData("`@here` but also @everyone", true)]
    public void Only_a_whole_lower_case_token_outside_code_mentions_everybody(string text, bool expected) =>
        Assert.Equal(expected, EveryoneMention.In(text));

    [Fact]
    public void It_counts_only_for_an_author_holding_mention_everyone()
    {
        Assert.True(EveryoneMention.Counts(BuiltInRoles.ModeratorDefault, "@everyone hi"));
        Assert.False(EveryoneMention.Counts(BuiltInRoles.EveryoneDefault, "@everyone hi"));
        Assert.False(EveryoneMention.Counts(BuiltInRoles.ModeratorDefault, "hi all"));
    }

    [Fact]
    public void The_forum_does_not_read_everyone_or_here_as_a_member_id()
    {
        Assert.Equal(["ann"], Mentions.Find("@everyone @here @ann", 10));
        Assert.Equal(["everyones"], Mentions.Find("@everyones", 10));
    }
}
