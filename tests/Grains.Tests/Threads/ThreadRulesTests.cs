using CommunityScale.Errors;
using CommunityScale.Threads;

namespace CommunityScale.Grains.Tests.Threads;

[Trait("Area", "Threads")]
public sealed class ThreadRulesTests
{
    public static TheoryData<string> XssPayloads() =>
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "![x](javascript:alert(1))",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<svg onload=alert(1)>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<<script>script>alert(1)<</script>/script>",
        "`<script>` is fine as code but <script>alert(1)</script> is not",
        "<details open ontoggle=alert(1)>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "[a](vbscript:msgbox(1))",
        "<form action=\"javascript:alert(1)\"><button>go</button></form>",
    ];

    [Theory]
    [MemberData(nameof(XssPayloads))]
    public void Rendered_posts_carry_no_script_whatever_the_markdown(string payload)
    {
        // Parsed as a browser would: escaped text such as "&lt;img onerror=…&gt;" is harmless, live elements are not.
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument($"<body>{PostRenderer.ToHtml(payload)}</body>");
        var elements = document.Body!.QuerySelectorAll("*");

        Assert.DoesNotContain(elements, e => e.LocalName is "script" or "iframe" or "svg" or "math" or "img" or "form" or "button" or "details" or "object" or "embed" or "style");
        Assert.DoesNotContain(elements.SelectMany(e => e.Attributes), a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase) || a.Name is "style" or "src" or "action");
        Assert.All(elements.SelectMany(e => e.Attributes).Where(a => a.Name is "href"), href =>
            Assert.Matches("^(https?:|mailto:|#|/)", href.Value.Trim()));
    }

    [Fact]
    public void Markdown_renders_to_html_and_links_are_marked_as_member_content()
    {
        var html = PostRenderer.ToHtml("**bold** and _it_ and `code`\n\n- one\n- two\n\nSee [docs](https://example.com/a?b=1).");

        Assert.Contains("<strong>bold</strong>", html);
        Assert.Contains("<em>it</em>", html);
        Assert.Contains("<code>code</code>", html);
        Assert.Contains("<li>one</li>", html);
        Assert.Contains("href=\"https://example.com/a?b=1\"", html);
        Assert.Contains("rel=\"nofollow ugc noopener\"", html);
    }

    [Fact]
    public void Excerpts_are_plain_text_and_bounded()
    {
        Assert.Equal("Hello world", PostRenderer.Excerpt("# Hello **world**"));
        Assert.Equal(11, PostRenderer.Excerpt(new string('a', 500), 10).Length);
    }

    [Fact]
    public void Mentions_are_whole_ids_outside_code_and_not_email_addresses()
    {
        Assert.Equal(["bob", "ann-2"], Mentions.Find("Hi @bob and @ann-2, and @bob again; mail me at me@example.com; `@carl` ```\n@dora\n```", 10));
        Assert.Equal(["a", "b"], Mentions.Find("@a @b @c", 2));
        Assert.Empty(Mentions.Find("@Bob is not an id", 10));
    }

    [Fact]
    public void Titles_bodies_tags_and_reaction_sets_are_checked()
    {
        Assert.Equal("Hello", ThreadRules.RequireTitle("  Hello "));
        Assert.Equal(ErrorCodes.Invalid, Assert.Throws<CommunityException>(() => ThreadRules.RequireTitle("  ")).Code);
        Assert.Equal(ErrorCodes.TooLong, Assert.Throws<CommunityException>(() => ThreadRules.RequireTitle(new string('t', 201))).Code);
        Assert.Equal(ErrorCodes.TooLong, Assert.Throws<CommunityException>(() => ThreadRules.RequireBody(new string('b', ThreadRules.MaxBodyLength + 1))).Code);
        Assert.Equal(ErrorCodes.Invalid, Assert.Throws<CommunityException>(() => ThreadRules.RequireBody("\n ")).Code);
        Assert.Equal(["help", "sync"], ThreadRules.RequireTags(["Help", "sync", "help "]));
        Assert.Throws<CommunityException>(() => ThreadRules.RequireTags(["a", "b", "c", "d", "e", "f"]));
        Assert.Throws<CommunityException>(() => ThreadRules.RequireTags(["no spaces"]));
        Assert.Throws<CommunityException>(() => ThreadRules.RequireReactionSet([]));
        Assert.Throws<CommunityException>(() => ThreadRules.RequireReactionSet(["<b>"]));
        Assert.Equal(["+1", "tada"], ThreadRules.RequireReactionSet(["+1", "tada", "+1"]));
    }

    [Fact]
    public void Listings_page_by_cursor_without_repeats_or_gaps_and_filter()
    {
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var threads = Enumerable.Range(1, 25).Select(i => Summary(i.ToString(System.Globalization.CultureInfo.InvariantCulture), start.AddMinutes(i % 7),
            replies: i % 5, kind: i % 3 == 0 ? ThreadKind.Question : ThreadKind.Discussion, tags: i % 2 == 0 ? ["even"] : [], accepted: i == 6 ? 2 : null)).ToList();

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = ThreadListings.Page(threads, new ThreadQuery("latest", null, null, null, cursor, 4));
            seen.AddRange(page.Items.Select(t => t.ThreadId));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(threads.OrderByDescending(t => t.LastActivityAt).ThenBy(t => t.ThreadId, StringComparer.Ordinal).Select(t => t.ThreadId), seen);
        var top = ThreadListings.Page(threads, new ThreadQuery("top", null, null, null, null, 3)).Items;
        Assert.All(top, t => Assert.Equal(4, t.Replies));
        var unanswered = ThreadListings.Page(threads, new ThreadQuery("unanswered", null, null, null, null, 100)).Items;
        Assert.Equal(7, unanswered.Count);
        Assert.DoesNotContain(unanswered, t => t.ThreadId == "6");
        Assert.All(ThreadListings.Page(threads, new ThreadQuery("latest", "even", null, null, null, 100)).Items, t => Assert.Contains("even", t.Tags));
        Assert.Throws<CommunityException>(() => ThreadListings.Page(threads, new ThreadQuery("latest", null, null, null, "not-a-cursor!", 4)));
        Assert.Throws<CommunityException>(() => ThreadListings.Page(threads, new ThreadQuery("hot", null, null, null, null, 4)));
    }

    private static ThreadSummary Summary(string id, DateTimeOffset lastActivity, int replies, ThreadKind kind, IReadOnlyList<string> tags, long? accepted) =>
        new("c", id, "general", kind, $"Thread {id}", tags, "ann", "Ann", lastActivity, lastActivity, replies, 0, accepted, 0, IdeaStatus.Open, null, false, 1, "");
}
