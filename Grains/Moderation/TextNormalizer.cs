using System.Globalization;
using System.Text;

namespace CommunityScale.Moderation;

/// <summary>
/// Brings text and terms to one comparable form, so that "Spam", "SPAM", "5pam", "s p a m", "sp.am", "ſpam" and "ѕрам"
/// (Cyrillic) all read "spam", and German spellings agree ("Straße" = "strasse", "Ärger" = "aerger"): Unicode NFKC,
/// case folding, German equivalents, look-alike letters of other scripts (<see cref="Confusables"/>), leetspeak digits
/// and symbols, punctuation inside words dropped, and runs of single letters ("s p a m") joined. The result is words of
/// letters separated by single spaces. Stretched letters ("idiiiot") are kept here and matched by <see cref="TermMatcher"/>,
/// which knows which runs a term spells itself.
/// </summary>
public static class TextNormalizer
{
    public static string Normalize(string text)
    {
        var folded = text.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        var words = new List<StringBuilder>();
        var current = new StringBuilder();
        for (var i = 0; i < folded.Length; i++)
        {
            var ch = folded[i];
            // "sh!t" hides an i, but "hello!" just ends a sentence: '!' and '|' count as letters only inside a word.
            if (ch is '!' or '|' && (current.Length == 0 || i + 1 >= folded.Length || !char.IsLetterOrDigit(folded[i + 1])))
            {
                Flush();
                continue;
            }

            if (Map(ch) is { } mapped)
            {
                current.Append(mapped);
            }
            else if (char.IsWhiteSpace(ch) || IsWordBreak(ch))
            {
                Flush();
            }

            // Anything else (dots, dashes, underscores, stars inside a word) is dropped: "sp.am" and "sp-am" read "spam".
        }

        Flush();
        return string.Join(' ', JoinSpelledOut(words.Select(w => w.ToString())));

        void Flush()
        {
            if (current.Length > 0)
            {
                words.Add(current);
                current = new StringBuilder();
            }
        }
    }

    /// <summary>A letter (or what stands for one) in its folded form; null for anything that is not part of a word.</summary>
    private static string? Map(char ch) => ch switch
    {
        'ä' => "ae",
        'ö' => "oe",
        'ü' => "ue",
        'ß' => "ss",
        '0' => "o",
        '1' or '!' or '|' => "i",
        '3' => "e",
        '4' or '@' => "a",
        '5' or '$' => "s",
        '7' or '+' => "t",
        '8' => "b",
        '9' => "g",
        >= (char)128 when Confusables.Prototype(ch) is { } prototype => Leet(prototype),
        _ when char.IsLetter(ch) => StripAccent(ch),
        _ when char.IsDigit(ch) => ch.ToString(),
        _ => null,
    };

    /// <summary>A prototype may contain digits ("О" of another script reads "0"): they go through the same leetspeak table.</summary>
    private static string Leet(string prototype) =>
        prototype.Length == 1 ? Map(prototype[0]) ?? prototype : string.Concat(prototype.Select(c => Map(c) ?? c.ToString()));

    /// <summary>Separators that end a word even without a space (so "spam,eggs" is two words), unlike in-word punctuation.</summary>
    private static bool IsWordBreak(char ch) => ch is ',' or ';' or ':' or '?' or '(' or ')' or '[' or ']' or '{' or '}' or '"' or '/' or '\\' or '<' or '>' or '=' or '#';

    private static readonly string[] Ascii = [.. Enumerable.Range(0, 128).Select(c => ((char)c).ToString())];

    /// <summary>"é" → "e", "ł" stays: accents other than the German umlauts are not meaning-bearing for matching.</summary>
    private static string StripAccent(char ch)
    {
        if (ch < 128)
        {
            // The common case, without decomposing (and allocating) per letter.
            return Ascii[ch];
        }

        var decomposed = ch.ToString().Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>"s p a m" → "spam": three or more single-letter words in a row are one spelled-out word.</summary>
    private static IEnumerable<string> JoinSpelledOut(IEnumerable<string> words)
    {
        var run = new StringBuilder();
        var runLength = 0;
        foreach (var word in words)
        {
            if (word.Length == 1)
            {
                run.Append(word);
                runLength++;
                continue;
            }

            foreach (var flushed in FlushRun())
            {
                yield return flushed;
            }

            yield return word;
        }

        foreach (var flushed in FlushRun())
        {
            yield return flushed;
        }

        IEnumerable<string> FlushRun()
        {
            if (runLength >= 3)
            {
                yield return run.ToString();
            }
            else
            {
                foreach (var ch in run.ToString())
                {
                    yield return ch.ToString();
                }
            }

            run.Clear();
            runLength = 0;
        }
    }
}
