using System.Text;

namespace Dxmig.Contracts.Text;

/// <summary>An encoding chosen for a file: a strict decoder, the name shown in logs and messages, and the BOM bytes to skip.</summary>
public sealed record DetectedEncoding(Encoding Encoding, string Name, int PreambleLength);

/// <summary>
/// The one place dxmig decides how the text it reads is encoded, for CSV exports, mapping CSVs and YAML, and job files
/// alike: a UTF-8 BOM → UTF-8 (a UTF-16 BOM → UTF-16); bytes that are all ASCII → CP932 (the same text either way); bytes that are valid UTF-8
/// → UTF-8; otherwise CP932 (what Excel's "CSV (コンマ区切り)" writes). Every decoder it gives throws on bytes it cannot
/// decode, so text in neither encoding is found rather than turned into U+FFFD.
/// </summary>
public static class TextEncodingDetector
{
    /// <summary>The encodings tried, in order, as messages name them.</summary>
    public const string Tried = "UTF-8, CP932";

    /// <summary>Decides the encoding from the first bytes of a file (or all of them).</summary>
    /// <param name="head">The file's first bytes.</param>
    /// <param name="truncated">True when <paramref name="head"/> is only the start of the file, so a UTF-8 sequence may be cut at its end.</param>
    public static DetectedEncoding Detect(ReadOnlySpan<byte> head, bool truncated)
    {
        if (head is [0xEF, 0xBB, 0xBF, ..])
        {
            return new DetectedEncoding(JapaneseEncodings.StrictUtf8(), "UTF-8 (BOM)", 3);
        }

        if (head is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
        {
            // Excel's "Unicode テキスト". A byte-wise CSV reader cannot split it; a whole-file reader can decode it.
            var bigEndian = head[0] == 0xFE;
            return new DetectedEncoding(
                new UnicodeEncoding(bigEndian, byteOrderMark: false, throwOnInvalidBytes: true), bigEndian ? "UTF-16BE (BOM)" : "UTF-16LE (BOM)", 2);
        }

        if (head.IndexOfAnyInRange((byte)0x80, (byte)0xFF) < 0)
        {
            return new DetectedEncoding(JapaneseEncodings.StrictCp932(), "CP932 (ASCII only)", 0);
        }

        return LooksLikeUtf8(head, truncated)
            ? new DetectedEncoding(JapaneseEncodings.StrictUtf8(), "UTF-8 (detected)", 0)
            : new DetectedEncoding(JapaneseEncodings.StrictCp932(), "CP932 (detected)", 0);
    }

    /// <summary>
    /// The offset of the first byte <paramref name="strict"/> cannot decode (the start of the sequence it refuses), or
    /// null when all of <paramref name="bytes"/> decodes. A sequence cut off at the end counts as undecodable.
    /// </summary>
    public static int? FirstUndecodable(Encoding strict, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(strict);
        var data = bytes.ToArray();
        if (Decodes(strict, data, data.Length, flush: true))
        {
            return null;
        }

        // The shortest prefix that fails even while a sequence cut at its end may still be waiting for its next bytes
        // (failure only grows with the prefix, so a binary search finds it); none when only the file's end is cut.
        int low = 1, high = data.Length + 1;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (middle <= data.Length && !Decodes(strict, data, middle, flush: false))
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        // The refused sequence starts at the last character boundary before the byte that made it fail.
        var start = Math.Min(low - 1, data.Length);
        while (start > 0 && !Decodes(strict, data, start, flush: true))
        {
            start--;
        }

        return start;
    }

    private static bool Decodes(Encoding strict, byte[] data, int count, bool flush)
    {
        try
        {
            _ = strict.GetDecoder().GetCharCount(data, 0, count, flush);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool LooksLikeUtf8(ReadOnlySpan<byte> sample, bool truncated)
    {
        // Allow a sequence cut at the end of the sample.
        var end = sample.Length;
        if (truncated)
        {
            var back = 0;
            while (back < 3 && end - back - 1 >= 0 && (sample[end - back - 1] & 0xC0) == 0x80)
            {
                back++;
            }

            end -= back + 1;
        }

        return System.Text.Unicode.Utf8.IsValid(sample[..Math.Max(0, end)]);
    }
}
