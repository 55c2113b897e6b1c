using CommunityScale.Errors;
using CommunityScale.Threads;

namespace CommunityScale.Grains.Tests.Threads;

[Trait("Area", "Threads")]
public sealed class ForumIndexTests
{
    [Fact]
    public void Finds_posts_by_every_word_ranks_titles_higher_and_forgets_removed_posts_and_threads()
    {
        using var index = new ForumIndex();
        index.Upsert(new SearchDocument("1", 1, "1-1", "Calendar sync fails", "My calendar does not sync since the update."));
        index.Upsert(new SearchDocument("1", 2, "1-2", "Calendar sync fails", "Try signing out and in again; sync resumes."));
        index.Upsert(new SearchDocument("2", 1, "2-1", "Dark mode", "Please add a dark theme for the calendar."));

        Assert.Equal(["1-1", "2-1"], index.Search("calendar", 10).Hits.Select(h => h.PostId).Order());
        Assert.Equal("1-1", index.Search("calendar sync", 10).Hits[0].PostId);
        Assert.Equal(["1-2"], index.Search("signing resumes", 10).Hits.Select(h => h.PostId));
        Assert.Empty(index.Search("calendar banana", 10).Hits);
        Assert.Empty(index.Search("c++ (beta) AND OR* title:x", 10).Hits);
        Assert.Contains("calendar", index.Search("calendar", 10).Hits[0].Snippet, StringComparison.OrdinalIgnoreCase);

        index.Upsert(new SearchDocument("1", 2, "1-2", "Calendar sync fails", "Edited: reinstall the app."));
        Assert.Empty(index.Search("signing", 10).Hits);
        Assert.Equal(["1-2"], index.Search("reinstall", 10).Hits.Select(h => h.PostId));

        index.RemovePost("1-2");
        Assert.Empty(index.Search("reinstall", 10).Hits);
        index.RemoveThread("1");
        Assert.Equal(["2-1"], index.Search("calendar", 10).Hits.Select(h => h.PostId));
        Assert.Equal(1, index.Count);
        Assert.Equal(ErrorCodes.Invalid, Assert.Throws<CommunityException>(() => index.Search("  ", 10)).Code);
        Assert.Equal(ErrorCodes.Invalid, Assert.Throws<CommunityException>(() => index.Search(new string('q', 201), 10)).Code);
    }

    [Fact]
    public void A_reader_finds_and_counts_only_posts_of_categories_they_may_view()
    {
        using var index = new ForumIndex();
        index.Upsert(new SearchDocument("1", 1, "1-1", "Roadmap", "The roadmap for next year.", "staff"));
        index.Upsert(new SearchDocument("2", 1, "2-1", "Public roadmap", "What we share of the roadmap.", "general"));
        index.Upsert(new SearchDocument("3", 1, "3-1", "Old roadmap", "A roadmap indexed before categories were recorded."));

        Assert.Equal(3, index.Search("roadmap", 10).Total);
        var member = index.Search("roadmap", 10, new CommunityScale.Access.CategoryView(true, new HashSet<string> { "staff" }));
        Assert.Equal(1, member.Total);
        Assert.Equal(["2-1"], member.Hits.Select(h => h.PostId));
        var staff = index.Search("roadmap", 10, new CommunityScale.Access.CategoryView(true, new HashSet<string>()));
        Assert.Equal(["1-1", "2-1"], staff.Hits.Select(h => h.PostId).Order());
        var onlyStaff = index.Search("roadmap", 10, new CommunityScale.Access.CategoryView(false, new HashSet<string> { "staff" }));
        Assert.Equal(1, onlyStaff.Total);
        Assert.Equal(["1-1"], onlyStaff.Hits.Select(h => h.PostId));
        var nothing = index.Search("roadmap", 10, new CommunityScale.Access.CategoryView(false, new HashSet<string>()));
        Assert.Equal((0, 0), (nothing.Total, nothing.Hits.Count));
        Assert.Equal(ErrorCodes.Invalid, Assert.Throws<CommunityException>(() => index.Search(" ", 10, new CommunityScale.Access.CategoryView(false, new HashSet<string>()))).Code);
    }

    [Fact]
    public void Snippets_show_the_words_around_the_first_match()
    {
        var body = string.Concat(Enumerable.Repeat("filler ", 100)) + "the needle is here " + string.Concat(Enumerable.Repeat("after ", 100));
        var snippet = ForumIndex.Snippet(body, ["needle"]);

        Assert.Contains("needle", snippet, StringComparison.Ordinal);
        Assert.StartsWith("…", snippet, StringComparison.Ordinal);
        Assert.EndsWith("…", snippet, StringComparison.Ordinal);
        Assert.True(snippet.Length <= 163);
    }
}
