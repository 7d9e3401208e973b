using System.Text;
using Dxmig.Contracts.Text;

namespace Dxmig.Extractors.Csv;

/// <summary>How a CSV export is encoded: given by the job, or found from its BOM and bytes.</summary>
public enum CsvEncodingChoice
{
    /// <summary>UTF-8 when there is a BOM or the bytes are valid UTF-8 with non-ASCII text; CP932 otherwise.</summary>
    Auto,
    Cp932,
    Utf8,
}

/// <summary>Finds a CSV file's encoding and skips its BOM.</summary>
public static class CsvEncoding
{
    private const int SniffBytes = 256 * 1024;

    public static readonly IReadOnlyList<string> Names = ["auto", "cp932", "shift_jis", "utf-8"];

    public static CsvEncodingChoice Parse(string? name) => name?.ToUpperInvariant() switch
    {
        null or "AUTO" => CsvEncodingChoice.Auto,
        "CP932" or "SHIFT_JIS" or "SHIFT-JIS" or "SJIS" or "WINDOWS-31J" => CsvEncodingChoice.Cp932,
        "UTF-8" or "UTF8" => CsvEncodingChoice.Utf8,
        _ => throw new ArgumentException($"unknown encoding '{name}'", nameof(name)),
    };

    /// <summary>Decides the encoding and leaves the stream just after the BOM, if any.</summary>
    public static async Task<(Encoding Encoding, string Name)> DetectAsync(Stream stream, CsvEncodingChoice choice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var head = new byte[SniffBytes];
        var read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        var hasBom = read >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF;
        stream.Seek(hasBom ? 3 : 0, SeekOrigin.Begin);
        if (hasBom)
        {
            return (JapaneseEncodings.StrictUtf8(), "UTF-8 (BOM)");
        }

        switch (choice)
        {
            case CsvEncodingChoice.Cp932:
                return (JapaneseEncodings.StrictCp932(), "CP932");
            case CsvEncodingChoice.Utf8:
                return (JapaneseEncodings.StrictUtf8(), "UTF-8");
        }

        var sample = head.AsSpan(0, read);
        if (sample.IndexOfAnyInRange((byte)0x80, (byte)0xFF) < 0)
        {
            return (JapaneseEncodings.StrictCp932(), "CP932 (ASCII only)");
        }

        return LooksLikeUtf8(sample, read == head.Length)
            ? (JapaneseEncodings.StrictUtf8(), "UTF-8 (detected)")
            : (JapaneseEncodings.StrictCp932(), "CP932 (detected)");
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
