using Ganss.Xss;
using Markdig;

namespace CommunityScale.Threads;

/// <summary>
/// Markdown to safe HTML. Two layers, because either alone has failed somewhere before: Markdig is told to treat raw
/// HTML as text, then HtmlSanitizer keeps only an allow-list of tags, attributes and URL schemes (no script, no event
/// handlers, no <c>javascript:</c>). Links get <c>rel="nofollow ugc noopener"</c>: they are members' content.
/// </summary>
public static class PostRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseEmphasisExtras()
        .UsePipeTables()
        .UseTaskLists()
        .UseAutoLinks()
        .Build();

    // Configured once, then only read: HtmlSanitizer is safe for concurrent Sanitize calls.
    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    public static string ToHtml(string markdown) => Sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline));

    /// <summary>A post as plain text (for the search index).</summary>
    public static string PlainText(string markdown) => Markdown.ToPlainText(markdown, Pipeline).ReplaceLineEndings(" ").Trim();

    /// <summary>The first words of a post as plain text, for listings and notifications.</summary>
    public static string Excerpt(string markdown, int length = 160)
    {
        var text = PlainText(markdown);
        return text.Length <= length ? text : text[..length].TrimEnd() + "…";
    }

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer(new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            {
                "p", "br", "hr", "em", "strong", "del", "ins", "mark", "sub", "sup", "code", "pre", "blockquote",
                "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "input", "span",
            },
            AllowedAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href", "title", "class", "type", "checked", "disabled", "align" },
            AllowedSchemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "http", "https", "mailto" },
            UriAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href" },
        });
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { TagName: "A" } link)
            {
                link.SetAttribute("rel", "nofollow ugc noopener");
            }
        };
        return sanitizer;
    }
}
