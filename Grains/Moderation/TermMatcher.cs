namespace CommunityScale.Moderation;

/// <summary>
/// A community's blocked terms compiled once into an Aho–Corasick automaton over normalized text, so checking a
/// message costs one pass over it whatever the number of terms (tens of thousands). Term syntax, after normalization:
/// <c>word</c> or <c>two words</c> match whole words only; <c>word*</c> a word start; <c>*word</c> a word end;
/// <c>*word*</c> anywhere. Words on the allow-list are never blocked (the Scunthorpe problem: <c>*cunt*</c> must not
/// block the town).
/// Stretched letters match too ("idiiiooooot" is "idiot"): the automaton runs over text and terms with every run of
/// one letter squeezed to a single letter, and a hit counts only when each run of the text is as long as the term's
/// run, or stretched (three or more) beyond it. So "good" is not "god" and "as" is not "ass", as before.
/// </summary>
public sealed class TermMatcher
{
    /// <summary>Doubled letters are spelling ("Boot", "kill"); a third one is stretching.</summary>
    public const int Stretched = 3;

    private readonly List<Node> _nodes = [new Node()];
    private readonly List<Rule> _rules = [];
    private readonly HashSet<string> _allowed;

    public TermMatcher(IEnumerable<string> blockedTerms, IEnumerable<string> allowedWords)
    {
        // Squeezed like the text, so a stretched spelling of an allowed word ("Scuuunthorpe") stays allowed.
        _allowed = allowedWords.Select(w => Squeeze(TextNormalizer.Normalize(w)).Text).Where(w => w.Length > 0).ToHashSet(StringComparer.Ordinal);
        foreach (var term in blockedTerms)
        {
            var anyStart = term.StartsWith('*');
            var anyEnd = term.EndsWith('*') && term.Length > 1;
            var core = TextNormalizer.Normalize(term.Trim('*'));
            if (core.Length == 0)
            {
                continue;
            }

            var squeezed = Squeeze(core);
            _rules.Add(new Rule(term, squeezed.Text.Length, anyStart, anyEnd, squeezed.Runs));
            Insert(squeezed.Text, _rules.Count - 1);
        }

        BuildFailureLinks();
    }

    public int TermCount => _rules.Count;

    /// <summary>The first blocked term the text contains, or null.</summary>
    public string? FindBlocked(string text) => FindBlockedInNormalized(TextNormalizer.Normalize(text));

    public string? FindBlockedInNormalized(string normalized)
    {
        if (_rules.Count == 0)
        {
            return null;
        }

        var text = Squeeze(normalized);
        var squeezed = text.Text;
        var state = 0;
        for (var i = 0; i < squeezed.Length; i++)
        {
            var ch = squeezed[i];
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
                    if (Applies(rule, squeezed, start, end) && RunsMatch(rule, text.Runs, start) && !Allowed(squeezed, start, end))
                    {
                        return rule.Term;
                    }
                }
            }
        }

        return null;
    }

    /// <summary>"idiiiot" → "idiot" with the length of each run (1, 1, 3, 1, 1).</summary>
    private static Squeezed Squeeze(string text)
    {
        var chars = new char[text.Length];
        var runs = new int[text.Length];
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (length > 0 && chars[length - 1] == text[i])
            {
                runs[length - 1]++;
                continue;
            }

            chars[length] = text[i];
            runs[length] = 1;
            length++;
        }

        return new Squeezed(new string(chars, 0, length), runs);
    }

    /// <summary>
    /// Each run of the text against the term's: the same length, or stretched beyond it; at an open end of the term
    /// (<c>*</c>) the text's run may be longer, as the term is then only part of a word ("*as*" in "passion").
    /// </summary>
    private static bool RunsMatch(Rule rule, int[] textRuns, int start)
    {
        for (var k = 0; k < rule.Length; k++)
        {
            var inText = textRuns[start + k];
            var inTerm = rule.Runs[k];
            var open = (k == 0 && rule.AnyStart) || (k == rule.Length - 1 && rule.AnyEnd);
            if (inText != inTerm && !(inText > inTerm && (open || inText >= Stretched)))
            {
                return false;
            }
        }

        return true;
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

    private sealed record Rule(string Term, int Length, bool AnyStart, bool AnyEnd, int[] Runs);

    private sealed record Squeezed(string Text, int[] Runs);
}
