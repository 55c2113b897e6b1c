using System.Text;

namespace CommunityScale.Gateway.Attachments;

/// <summary>
/// What a file is, judged by its bytes, never by its name or the client's Content-Type: a script renamed to
/// <c>cat.png</c> is not a PNG. Only formats with an unambiguous signature are recognised; text must be valid UTF-8
/// without NUL or other control bytes (besides tab and line breaks).
/// </summary>
public static class FileSignatures
{
    /// <summary>The MIME type the bytes prove, or null when they prove none we accept.</summary>
    public static string? Detect(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "image/png";
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }

        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return "image/gif";
        }

        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return "image/webp";
        }

        if (bytes.StartsWith("%PDF-"u8))
        {
            return "application/pdf";
        }

        return IsPlainText(bytes) ? "text/plain" : null;
    }

    private static bool IsPlainText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return false;
        }

        foreach (var b in bytes)
        {
            if (b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r')
            {
                return false;
            }
        }

        try
        {
            _ = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
