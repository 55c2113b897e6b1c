using System.Globalization;
using System.Reflection;
using System.Text;

namespace CommunityScale.Moderation;

/// <summary>
/// Look-alike letters from other scripts folded to the Latin letters they imitate ("іdіоt" with Cyrillic і and о reads
/// "idiot"), from Unicode's TR39 confusables data shipped inside this assembly (<c>Unicode/confusables.txt</c>, with its
/// licence). Only mappings whose prototype is plain ASCII letters or digits are kept: the point is to see the Latin
/// word a spammer or troll spelled with foreign glyphs, not to rewrite other scripts among themselves, and ASCII itself
/// is left alone (TR39 maps "m" to "rn", which would change ordinary text).
/// </summary>
public static class Confusables
{
    private static readonly Dictionary<int, string> Map = Load();

    public static int Count => Map.Count;

    /// <summary>The Latin prototype (lower case) of a non-ASCII code point, or null when it has none.</summary>
    public static string? Prototype(int codePoint) => codePoint < 128 ? null : Map.GetValueOrDefault(codePoint);

    /// <summary>The text with every confusable non-ASCII character replaced by its lower-case Latin prototype.</summary>
    public static string Fold(string text)
    {
        StringBuilder? builder = null;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (ch < 128)
            {
                builder?.Append(ch);
                continue;
            }

            var codePoint = char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? char.ConvertToUtf32(ch, text[i + 1]) : ch;
            var width = codePoint > char.MaxValue ? 2 : 1;
            if (Map.TryGetValue(codePoint, out var prototype))
            {
                builder ??= new StringBuilder(text.Length).Append(text, 0, i);
                builder.Append(prototype);
            }
            else
            {
                builder?.Append(text, i, width);
            }

            i += width - 1;
        }

        return builder?.ToString() ?? text;
    }

    private static Dictionary<int, string> Load()
    {
        using var stream = typeof(Confusables).Assembly.GetManifestResourceStream("CommunityScale.Moderation.Unicode.confusables.txt")
            ?? throw new InvalidOperationException("The confusables data is missing from the assembly (Grains/Moderation/Unicode/confusables.txt).");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var map = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split(';');
            var source = parts[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (source.Length != 1)
            {
                continue;
            }

            var prototype = string.Concat(parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(hex => char.ConvertFromUtf32(int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture)))).ToLowerInvariant();
            var codePoint = int.Parse(source[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (codePoint >= 128 && prototype.Length > 0 && prototype.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9')))
            {
                map[codePoint] = prototype;
            }
        }

        return map;
    }
}
