using System.Globalization;
using System.Net;
using System.Text;

namespace CommunityScale.TextModels;

/// <summary>
/// Turns a text into hashed features for the linear text models (moderation and sentiment), the same code at training
/// and at inference so the two cannot disagree. Tokens: words (lower case, look-alike letters of other scripts folded,
/// letters stretched past two cut to two, digits as 0 so "09061701461" and "08712300000" look alike), and markers for
/// links, @mentions, shouted words, currency signs, "!" and "?" and emoji. Features: word unigrams and bigrams, and the
/// character 2- to 5-grams of each word with its boundaries ("&lt;du", "du&gt;"), which carry German compounds,
/// misspellings and inflections a word list would miss. Hashed into 2^bits buckets: no vocabulary to ship.
/// </summary>
public static class TextFeatures
{
    public const int MinCharGram = 2;
    public const int MaxCharGram = 5;

    private static readonly System.Buffers.SearchValues<char> HostEnd = System.Buffers.SearchValues.Create("/?#\"'>& ");

    private const uint WordSeed = 2166136261;
    private const uint BigramSeed = 0x9E3779B9;
    private const uint CharSeed = 0x85EBCA6B;
    private const uint MarkerSeed = 0xC2B2AE35;
    private const uint CueSeed = 0x27D4EB2F;

    /// <summary>Fills <paramref name="buffer"/> with the features of <paramref name="text"/>.</summary>
    public static void Extract(string text, int bits, FeatureBuffer buffer) => Extract(text, new FeatureSettings(bits), buffer);

    /// <summary>Fills <paramref name="buffer"/> with the features of <paramref name="text"/>.</summary>
    public static void Extract(string text, FeatureSettings settings, FeatureBuffer buffer)
    {
        var mask = (1 << settings.Bits) - 1;
        buffer.Clear();
        var tokens = Tokenize(text, settings.LinkHosts, settings.LinkKinds);
        uint previous = 0;
        var hasPrevious = false;
        foreach (var token in tokens)
        {
            var hash = Hash(WordSeed, token.Text);
            buffer.Add((int)(hash & mask));
            // Bigrams keep a little order ("not good", "halt dein") without a parser.
            buffer.Add((int)(Mix(hasPrevious ? previous : BigramSeed, hash) & mask));
            previous = hash;
            hasPrevious = true;
        }

        if (hasPrevious)
        {
            buffer.Add((int)(Mix(previous, BigramSeed) & mask));
        }

        var words = buffer.Count;
        buffer.Scale(0, words);
        Span<char> bounded = stackalloc char[66];
        foreach (var token in tokens)
        {
            if (!token.IsWord || token.Text.Length > 64)
            {
                continue;
            }

            bounded[0] = '<';
            token.Text.AsSpan().CopyTo(bounded[1..]);
            bounded[token.Text.Length + 1] = '>';
            var word = bounded[..(token.Text.Length + 2)];
            for (var n = settings.MinCharGram; n <= settings.MaxCharGram; n++)
            {
                for (var start = 0; start + n <= word.Length; start++)
                {
                    buffer.Add((int)(Hash(CharSeed + (uint)n, word.Slice(start, n)) & mask));
                }
            }
        }

        buffer.Scale(words, buffer.Count);
        if (settings.Markers)
        {
            // A link or a price says as much in a long text as in a short one: unscaled, so words do not dilute them.
            foreach (var token in tokens)
            {
                if (!token.IsWord && token.Text.StartsWith('_'))
                {
                    buffer.Add((int)(Hash(MarkerSeed, token.Text) & mask));
                }
            }
        }

        if (settings.SpamCues)
        {
            AddSpamCues(text, tokens, mask, buffer);
        }
    }

    /// <summary>
    /// Cues of the form of a text rather than its words, unscaled like markers: how many links, a price ("£900", "150p"),
    /// a phone number (9 or more digits) or short code (5 or 6 digits), and buckets of the digit share, the capital-letter
    /// share and the length in tokens. Spam SMS are long, full of digits and capitals; chat rarely is.
    /// </summary>
    private static void AddSpamCues(string text, List<Token> tokens, int mask, FeatureBuffer buffer)
    {
        void Cue(string name) => buffer.Add((int)(Hash(CueSeed, name) & mask));

        int links = 0, digits = 0, characters = 0;
        bool amount = false, phone = false, shortCode = false;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!token.IsWord)
            {
                links += token.Text == "_link_" ? 1 : 0;
                amount |= token.Text == "_money_" && i + 1 < tokens.Count && tokens[i + 1].IsWord && tokens[i + 1].Text[0] == '0';
                continue;
            }

            var run = 0;
            foreach (var ch in token.Text)
            {
                characters++;
                digits += ch == '0' ? 1 : 0;
                run = ch == '0' ? run + 1 : 0;
            }

            var allDigits = run == token.Text.Length;
            phone |= allDigits && run >= 9;
            shortCode |= allDigits && run is 5 or 6;
            // "150p", "1.50ppm", "£5/wk": a digit run then a price unit.
            amount |= token.Text.Length > 1 && token.Text[0] == '0' && token.Text.TrimStart('0') is "p" or "ppm" or "pence" or "gbp" or "pw" or "pmin";
        }

        if (links > 0)
        {
            Cue(links == 1 ? "_cue_link1_" : links == 2 ? "_cue_link2_" : "_cue_link3_");
        }

        if (amount)
        {
            Cue("_cue_amount_");
        }

        if (phone)
        {
            Cue("_cue_phone_");
        }

        if (shortCode)
        {
            Cue("_cue_shortcode_");
        }

        if (digits > 0 && characters > 0)
        {
            var share = (double)digits / characters;
            Cue(share < 0.05 ? "_cue_digits1_" : share < 0.15 ? "_cue_digits2_" : "_cue_digits3_");
        }

        int letters = 0, capitals = 0;
        foreach (var ch in text)
        {
            if (char.IsLetter(ch))
            {
                letters++;
                capitals += char.IsUpper(ch) ? 1 : 0;
            }
        }

        if (letters >= 12)
        {
            var share = (double)capitals / letters;
            Cue(share < 0.15 ? "_cue_caps0_" : share < 0.4 ? "_cue_caps1_" : share < 0.7 ? "_cue_caps2_" : "_cue_caps3_");
        }

        Cue(tokens.Count switch { < 6 => "_cue_len0_", < 12 => "_cue_len1_", < 20 => "_cue_len2_", < 30 => "_cue_len3_", _ => "_cue_len4_" });
    }

    /// <summary>One token: a word of letters and digits, or a marker (links, mentions, emphasis).</summary>
    public readonly record struct Token(string Text, bool IsWord);

    public static List<Token> Tokenize(string text, bool linkHosts = false, bool linkKinds = false)
    {
        if (text.Contains('&', StringComparison.Ordinal))
        {
            // The training sets come from web pages and APIs with HTML entities ("&amp;", "&#128514;"); chat has none.
            text = WebUtility.HtmlDecode(text);
        }

        if (!text.IsNormalized(NormalizationForm.FormKC))
        {
            text = text.Normalize(NormalizationForm.FormKC);
        }

        var tokens = new List<Token>(32);
        var word = new StringBuilder(16);
        var upper = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (ch == '<' && i + 1 < text.Length && (char.IsAsciiLetter(text[i + 1]) || text[i + 1] == '/') && text.IndexOf('>', i) is var close and > 0)
            {
                // HTML markup in the YouTube comments ("<br />", "<a href=...>"): a link inside counts as a link.
                Flush();
                var tag = text.AsSpan(i, close - i);
                var href = tag.IndexOf("href", StringComparison.OrdinalIgnoreCase);
                if (href >= 0)
                {
                    tokens.Add(new Token("_link_", false));
                    if (linkKinds)
                    {
                        tokens.Add(new Token(LinkKind(tag[href..]), false));
                    }

                    if (linkHosts && tag[href..].IndexOf("//", StringComparison.Ordinal) is var slashes and >= 0)
                    {
                        AddHost(tokens, tag[(href + slashes + 2)..]);
                    }
                }

                i = close;
                continue;
            }

            if (IsLinkStart(text, i))
            {
                Flush();
                tokens.Add(new Token("_link_", false));
                var start = i;
                while (i + 1 < text.Length && !char.IsWhiteSpace(text[i + 1]))
                {
                    i++;
                }

                if (linkKinds)
                {
                    tokens.Add(new Token(LinkKind(text.AsSpan(start, i + 1 - start)), false));
                }

                if (linkHosts)
                {
                    var link = text.AsSpan(start, i + 1 - start);
                    AddHost(tokens, link.IndexOf("//", StringComparison.Ordinal) is var slashes and >= 0 ? link[(slashes + 2)..] : link);
                }

                continue;
            }

            if (ch == '@' && word.Length == 0 && i + 1 < text.Length && (char.IsLetterOrDigit(text[i + 1]) || text[i + 1] == '_'))
            {
                tokens.Add(new Token("_mention_", false));
                while (i + 1 < text.Length && (char.IsLetterOrDigit(text[i + 1]) || text[i + 1] == '_'))
                {
                    i++;
                }

                continue;
            }

            if (char.IsLetter(ch) || char.IsDigit(ch))
            {
                if (char.IsUpper(ch))
                {
                    upper++;
                }

                var folded = char.IsDigit(ch) ? '0' : ch < 128 ? char.ToLowerInvariant(ch) : Fold(ch);
                // "soooo" and "sooo" are one word; "so" and "soo" stay apart (Boot, kill). Digits keep their length.
                if (folded != '0' && word.Length >= 2 && word[^1] == folded && word[^2] == folded)
                {
                    continue;
                }

                word.Append(folded);
                continue;
            }

            Flush();
            if (ch is '!' or '?' && (tokens.Count == 0 || tokens[^1].Text != ch.ToString()))
            {
                tokens.Add(new Token(ch.ToString(), false));
            }
            else if (CharUnicodeInfo.GetUnicodeCategory(ch) == UnicodeCategory.CurrencySymbol)
            {
                tokens.Add(new Token("_money_", false));
            }
            else if (char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                // Emoji carry sentiment and tone; each is its own token.
                tokens.Add(new Token(text.Substring(i, 2), false));
                i++;
            }
            else if (ch >= 0x2600 && ch <= 0x27BF)
            {
                tokens.Add(new Token(ch.ToString(), false));
            }
        }

        Flush();
        return tokens;

        void Flush()
        {
            if (word.Length > 0)
            {
                var value = word.ToString();
                tokens.Add(new Token(value, true));
                if (upper >= 3 && upper == word.Length)
                {
                    tokens.Add(new Token("_shout_", false));
                }

                word.Clear();
            }

            upper = 0;
        }
    }

    /// <summary>
    /// The link's host as a marker ("_host_t.co"): a link's weight then need not be the average of the short links every
    /// tweet carries and the shop, profile and fundraiser links that comment spam carries.
    /// </summary>
    private static void AddHost(List<Token> tokens, ReadOnlySpan<char> rest)
    {
        var end = rest.IndexOfAny(HostEnd);
        var host = end < 0 ? rest : rest[..end];
        if (host.StartsWith("www.", StringComparison.OrdinalIgnoreCase))
        {
            host = host[4..];
        }

        host = host.TrimEnd(".,;:)!");
        if (host.Length > 0)
        {
            tokens.Add(new Token(string.Concat("_host_", host.ToString().ToLowerInvariant()), false));
        }
    }

    /// <summary>
    /// What kind of place a link leads to, coarser than its host: a YouTube video or channel (comment spam's "watch my
    /// video"), or anywhere else (a tweet's t.co as much as a shop). Two kinds generalise where hosts memorise.
    /// </summary>
    private static string LinkKind(ReadOnlySpan<char> link) =>
        link.Contains("youtube.com", StringComparison.OrdinalIgnoreCase) || link.Contains("youtu.be", StringComparison.OrdinalIgnoreCase)
            ? "_link_youtube_"
            : "_link_other_";

    private static char Fold(char ch)
    {
        var lower = char.ToLowerInvariant(ch);
        return lower is 'ä' or 'ö' or 'ü' or 'ß' ? lower
            : Moderation.Confusables.Prototype(lower) is { Length: 1 } prototype ? prototype[0]
            : lower;
    }

    private static bool IsLinkStart(string text, int i) =>
        (i == 0 || !char.IsLetterOrDigit(text[i - 1])) &&
        (text.AsSpan(i).StartsWith("http://", StringComparison.OrdinalIgnoreCase) ||
         text.AsSpan(i).StartsWith("https://", StringComparison.OrdinalIgnoreCase) ||
         text.AsSpan(i).StartsWith("www.", StringComparison.OrdinalIgnoreCase));

    /// <summary>FNV-1a: simple, fast, and fixed forever (the shipped weights depend on it).</summary>
    private static uint Hash(uint seed, ReadOnlySpan<char> text)
    {
        var hash = seed;
        foreach (var ch in text)
        {
            hash = (hash ^ ch) * 16777619;
        }

        return Finalize(hash);
    }

    private static uint Hash(uint seed, string text) => Hash(seed, text.AsSpan());

    private static uint Mix(uint a, uint b) => Finalize((a * 31) ^ (b + 0x9E3779B9 + (a << 6) + (a >> 2)));

    /// <summary>Murmur3's finalizer: FNV's low bits alone spread short strings poorly over the buckets.</summary>
    private static uint Finalize(uint h)
    {
        h ^= h >> 16;
        h *= 0x85EBCA6B;
        h ^= h >> 13;
        h *= 0xC2B2AE35;
        h ^= h >> 16;
        return h;
    }
}
