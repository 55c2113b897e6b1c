using CommunityScale.Campaigns;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Gamification;

namespace CommunityScale.Grains.Tests;

[Trait("Area", "Events")]
public sealed class CampaignRulesTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Retail =
        new Dictionary<string, IReadOnlyList<string>> { ["industry"] = ["retail"], ["interests"] = ["football", "esports"] };

    private static Campaign Make(double multiplier = 2, CampaignScope? scope = null, Segment? segment = null, IReadOnlyList<string>? actions = null,
        IReadOnlyList<string>? sessionChannels = null) =>
        new("c", "k", "K", "", Start, Start.AddDays(1), multiplier, scope ?? CampaignScope.Everywhere, segment ?? Segment.Everyone,
            actions ?? [], [], sessionChannels ?? [], "owner", "", new CampaignFigures(0, 0, 0));

    private static ActivityEvent Act(DateTimeOffset at, string kind = ActionKinds.MessageAccepted, string? channel = "live", string? thread = null, string? ev = null) =>
        new("s", "c", "ann", "Ann", kind, at, channel, null, thread, ev);

    [Fact]
    public void The_window_is_half_open_and_actions_filter_by_kind()
    {
        var c = Make(actions: [ActionKinds.Reply]);
        Assert.True(CampaignRules.Applies(c, Act(Start, ActionKinds.Reply), null));
        Assert.False(CampaignRules.Applies(c, Act(Start.AddDays(1), ActionKinds.Reply), null));
        Assert.False(CampaignRules.Applies(c, Act(Start.AddTicks(-1), ActionKinds.Reply), null));
        Assert.False(CampaignRules.Applies(c, Act(Start), null));
    }

    [Fact]
    public void Scope_matches_channels_threads_events_and_the_events_session_channels()
    {
        var c = Make(scope: new CampaignScope(["launch"], ["t1"], ["day"]), sessionChannels: ["day-keynote"]);
        Assert.True(CampaignRules.InScope(c, Act(Start, channel: "launch")));
        Assert.True(CampaignRules.InScope(c, Act(Start, channel: "day-keynote")));
        Assert.True(CampaignRules.InScope(c, Act(Start, channel: null, thread: "t1")));
        Assert.True(CampaignRules.InScope(c, Act(Start, channel: null, ev: "day")));
        Assert.False(CampaignRules.InScope(c, Act(Start, channel: "general")));
        Assert.False(CampaignRules.InScope(c, Act(Start, channel: null, thread: "t2")));
        Assert.True(CampaignRules.InScope(Make(), Act(Start, channel: "anything")));
    }

    [Fact]
    public void Segments_need_every_named_field_and_multiple_choice_fields_match_any_chosen_value()
    {
        Assert.True(new Segment(new Dictionary<string, string> { ["industry"] = "retail", ["interests"] = "esports" }).Matches(Retail));
        Assert.False(new Segment(new Dictionary<string, string> { ["industry"] = "finance" }).Matches(Retail));
        Assert.False(new Segment(new Dictionary<string, string> { ["role"] = "admin" }).Matches(Retail));
        Assert.False(new Segment(new Dictionary<string, string> { ["industry"] = "retail" }).Matches(null));
        Assert.True(Segment.Everyone.Matches(null));
    }

    [Fact]
    public void The_largest_multiplier_applies_once_rounded_down_and_nothing_applying_keeps_the_base()
    {
        Assert.Equal(7, CampaignRules.Boosted(5, [Make(1.5)]));
        Assert.Equal(15, CampaignRules.Boosted(5, [Make(1.5), Make(3)]));
        Assert.Equal(5, CampaignRules.Boosted(5, []));
        Assert.Equal(0, CampaignRules.Boosted(0, [Make(3)]));
    }

    [Fact]
    public void Profiles_are_checked_against_the_fields()
    {
        IReadOnlyList<ProfileField> fields = [new("industry", "Industry", ["retail", "finance"]), new("interests", "Interests", ["football", "esports"], true)];
        Assert.Equal(["football", "esports"], ProfileRules.RequireValidProfile(Retail, fields)["interests"]);
        Assert.Throws<CommunityException>(() => ProfileRules.RequireValidProfile(new Dictionary<string, IReadOnlyList<string>> { ["industry"] = ["retail", "finance"] }, fields));
        Assert.Throws<CommunityException>(() => ProfileRules.RequireValidProfile(new Dictionary<string, IReadOnlyList<string>> { ["age"] = ["40"] }, fields));
        Assert.Throws<CommunityException>(() => ProfileRules.RequireValidFields([new("industry", "A", ["x"]), new("industry", "B", ["y"])]));
        Assert.Throws<CommunityException>(() => ProfileRules.RequireValidFields([new("industry", "A", [])]));
        Assert.Throws<CommunityException>(() => ProfileRules.RequireValidSegment(new Segment(new Dictionary<string, string> { ["industry"] = "mining" }), fields));
    }
}
