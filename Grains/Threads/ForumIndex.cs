using System.Globalization;
using CommunityScale.Errors;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Store;
using Lucene.Net.Util;

namespace CommunityScale.Threads;

/// <summary>
/// A forum's full-text index: Lucene.NET over an in-memory directory, one document per post (title boosted twice on the
/// opening post), the standard analyzer, every term required. Searches read a near-real-time reader reopened only
/// after a change, so a search never scans posts and an update is visible to the next search.
/// </summary>
public sealed class ForumIndex : IDisposable
{
    public const int MaxQueryLength = 200;
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const string IdField = "id";
    private const string ThreadField = "thread";
    private const string SeqField = "seq";
    private const string TitleField = "title";
    private const string DisplayTitleField = "display_title";
    private const string BodyField = "body";
    private const string CategoryField = "category";

    private readonly RAMDirectory _directory = new();
    private readonly StandardAnalyzer _analyzer = new(Version);
    private readonly IndexWriter _writer;
    private DirectoryReader? _reader;
    private bool _changed = true;

    public ForumIndex() => _writer = new IndexWriter(_directory, new IndexWriterConfig(Version, _analyzer));

    public int Count => Reader().NumDocs;

    public void Upsert(SearchDocument document)
    {
        var doc = new Document
        {
            new StringField(IdField, document.PostId, Field.Store.YES),
            new StringField(ThreadField, document.ThreadId, Field.Store.YES),
            new StringField(CategoryField, document.CategoryId ?? "", Field.Store.NO),
            new StoredField(SeqField, document.Seq),
            new StoredField(DisplayTitleField, document.Title),
            new TextField(BodyField, document.Text, Field.Store.YES),
        };
        if (document.Seq == 1)
        {
            doc.Add(new TextField(TitleField, document.Title, Field.Store.NO));
        }

        _writer.UpdateDocument(new Term(IdField, document.PostId), doc);
        _changed = true;
    }

    public void RemovePost(string postId)
    {
        _writer.DeleteDocuments(new Term(IdField, postId));
        _changed = true;
    }

    public void RemoveThread(string threadId)
    {
        _writer.DeleteDocuments(new Term(ThreadField, threadId));
        _changed = true;
    }

    /// <summary>
    /// The best <paramref name="limit"/> posts holding every word; with <paramref name="viewable"/>, only posts of those
    /// categories count, in the hits and in the total alike.
    /// </summary>
    public SearchResults Search(string? text, int limit, Access.CategoryView? viewable = null)
    {
        var query = (text ?? "").Trim();
        if (query.Length == 0 || query.Length > MaxQueryLength || query.Any(char.IsControl))
        {
            throw CommunityException.Invalid($"q must be 1 to {MaxQueryLength} printable characters.");
        }

        var parser = new MultiFieldQueryParser(Version, [TitleField, BodyField], _analyzer, new Dictionary<string, float> { [TitleField] = 2f, [BodyField] = 1f })
        {
            DefaultOperator = Operator.AND,
        };
        // Members type words, not Lucene syntax: escaped, "c++ (beta)" is three words, never a parse error or a wildcard scan.
        var parsed = parser.Parse(QueryParserBase.Escape(query));
        if (viewable is { Default: false, Exceptions.Count: 0 })
        {
            return new SearchResults(query, 0, []);
        }

        var searcher = new IndexSearcher(Reader());
        var top = viewable is null ? searcher.Search(parsed, limit) : searcher.Search(parsed, CategoryFilter(viewable), limit);
        var words = query.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var hits = top.ScoreDocs.Select(hit =>
        {
            var doc = searcher.Doc(hit.Doc);
            var body = doc.Get(BodyField, CultureInfo.InvariantCulture) ?? "";
            return new SearchHit(doc.Get(ThreadField, CultureInfo.InvariantCulture), doc.GetField(SeqField).GetInt64Value() ?? 0, doc.Get(IdField, CultureInfo.InvariantCulture), doc.Get(DisplayTitleField, CultureInfo.InvariantCulture), Snippet(body, words), hit.Score);
        }).ToList();
        return new SearchResults(query, top.TotalHits, hits);
    }

    /// <summary>
    /// Posts of the viewable categories. A document without a category (handed over before categories were recorded)
    /// is found by nobody until the next rebuild records it: a hidden post must not show meanwhile.
    /// </summary>
    private static QueryWrapperFilter CategoryFilter(Access.CategoryView viewable)
    {
        var categories = new BooleanQuery();
        if (viewable.Default)
        {
            categories.Add(new MatchAllDocsQuery(), Occur.MUST);
            foreach (var hidden in viewable.Exceptions.Append(""))
            {
                categories.Add(new TermQuery(new Term(CategoryField, hidden)), Occur.MUST_NOT);
            }
        }
        else
        {
            foreach (var shown in viewable.Exceptions)
            {
                categories.Add(new TermQuery(new Term(CategoryField, shown)), Occur.SHOULD);
            }
        }

        return new QueryWrapperFilter(categories);
    }

    /// <summary>About 160 characters of <paramref name="body"/> around the first word of the query found in it.</summary>
    public static string Snippet(string body, IReadOnlyList<string> words, int length = 160)
    {
        var at = words.Select(w => body.IndexOf(w, StringComparison.OrdinalIgnoreCase)).Where(i => i >= 0).DefaultIfEmpty(0).Min();
        var start = Math.Max(0, Math.Min(at - (length / 4), body.Length - length));
        var end = Math.Min(body.Length, start + length);
        return (start > 0 ? "…" : "") + body[start..end].Trim() + (end < body.Length ? "…" : "");
    }

    private DirectoryReader Reader()
    {
        if (_reader is null || _changed)
        {
            var reader = _reader is null ? DirectoryReader.Open(_writer, applyAllDeletes: true) : DirectoryReader.OpenIfChanged(_reader, _writer, applyAllDeletes: true);
            if (reader is not null)
            {
                _reader?.Dispose();
                _reader = reader;
            }

            _changed = false;
        }

        return _reader!;
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _writer.Dispose();
        _analyzer.Dispose();
        _directory.Dispose();
    }
}
