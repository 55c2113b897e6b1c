namespace CommunityScale.Moderation;

/// <summary>
/// A community's blocked terms compiled once into an Aho–Corasick automaton over normalized text, so checking a
/// message costs one pass over it whatever the number of terms (tens of thousands). Term syntax, after normalization:
/// <c>word</c> or <c>two words</c> match whole words only; <c>word*</c> a word start; <c>*word</c> a word end;
/// <c>*word*</c> anywhere. Words on the allow-list are never blocked (the Scunthorpe problem: <c>*cunt*</c> must not
/// block the town).
/// </summary>
public sealed class TermMatcher
{
    private readonly List<Node> _nodes = [new Node()];
    private readonly List<Rule> _rules = [];
    private readonly HashSet<string> _allowed;

    public TermMatcher(IEnumerable<string> blockedTerms, IEnumerable<string> allowedWords)
    {
        _allowed = allowedWords.Select(TextNormalizer.Normalize).Where(w => w.Length > 0).ToHashSet(StringComparer.Ordinal);
        foreach (var term in blockedTerms)
        {
            var anyStart = term.StartsWith('*');
            var anyEnd = term.EndsWith('*') && term.Length > 1;
            var core = TextNormalizer.Normalize(term.Trim('*'));
            if (core.Length == 0)
            {
                continue;
            }

            _rules.Add(new Rule(term, core.Length, anyStart, anyEnd));
            Insert(core, _rules.Count - 1);
        }

        BuildFailureLinks();
    }

    public int TermCount => _rules.Count;

    /// <summary>The first blocked term the text contains, or null.</summary>
    public string? FindBlocked(string text) => FindBlockedInNormalized(TextNormalizer.Normalize(text));

    public string? FindBlockedInNormalized(string normalized)
    {
        var state = 0;
        for (var i = 0; i < normalized.Length; i++)
        {
            var ch = normalized[i];
            while (state != 0 && !_nodes[state].Next.ContainsKey(ch))
            {
                state = _nodes[state].Fail;
            }

            state = _nodes[state].Next.GetValueOrDefault(ch);
            for (var s = state; s != 0; s = _nodes[s].Output)
            {
                foreach (var ruleIndex in _nodes[s].Rules)
                {
                    var rule = _rules[ruleIndex];
                    var end = i + 1;
                    var start = end - rule.Length;
                    if (Applies(rule, normalized, start, end) && !Allowed(normalized, start, end))
                    {
                        return rule.Term;
                    }
                }
            }
        }

        return null;
    }

    private static bool Applies(Rule rule, string text, int start, int end) =>
        (rule.AnyStart || start == 0 || text[start - 1] == ' ') && (rule.AnyEnd || end == text.Length || text[end] == ' ');

    /// <summary>Whether the match lies inside one word that the community allows.</summary>
    private bool Allowed(string text, int start, int end)
    {
        if (_allowed.Count == 0)
        {
            return false;
        }

        var wordStart = start == 0 ? 0 : text.LastIndexOf(' ', start - 1) + 1;
        var wordEnd = text.IndexOf(' ', start);
        wordEnd = wordEnd < 0 ? text.Length : wordEnd;
        return wordEnd >= end && _allowed.Contains(text[wordStart..wordEnd]);
    }

    private void Insert(string core, int ruleIndex)
    {
        var state = 0;
        foreach (var ch in core)
        {
            if (!_nodes[state].Next.TryGetValue(ch, out var next))
            {
                next = _nodes.Count;
                _nodes.Add(new Node());
                _nodes[state].Next[ch] = next;
            }

            state = next;
        }

        _nodes[state].Rules.Add(ruleIndex);
    }

    /// <summary>Breadth-first: each node's failure link is the longest proper suffix that is also a path from the root.</summary>
    private void BuildFailureLinks()
    {
        var queue = new Queue<int>();
        foreach (var child in _nodes[0].Next.Values)
        {
            queue.Enqueue(child);
        }

        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            foreach (var (ch, child) in _nodes[state].Next)
            {
                var fail = _nodes[state].Fail;
                while (fail != 0 && !_nodes[fail].Next.ContainsKey(ch))
                {
                    fail = _nodes[fail].Fail;
                }

                var target = _nodes[fail].Next.GetValueOrDefault(ch);
                _nodes[child].Fail = target == child ? 0 : target;
                // Output link: the nearest node on the failure chain that ends a term.
                var f = _nodes[child].Fail;
                _nodes[child].Output = _nodes[f].Rules.Count > 0 ? f : _nodes[f].Output;
                queue.Enqueue(child);
            }
        }
    }

    private sealed class Node
    {
        public Dictionary<char, int> Next { get; } = [];

        public List<int> Rules { get; } = [];

        public int Fail { get; set; }

        public int Output { get; set; }
    }

    private sealed record Rule(string Term, int Length, bool AnyStart, bool AnyEnd);
}
