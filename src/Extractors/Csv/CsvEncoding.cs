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

    /// <summary>
    /// Decides the encoding (<see cref="TextEncodingDetector"/> on the first bytes, as for every file dxmig reads; a BOM
    /// wins over the job's setting) and leaves the stream just after the BOM, if any.
    /// </summary>
    public static async Task<(Encoding Encoding, string Name)> DetectAsync(Stream stream, CsvEncodingChoice choice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var head = new byte[SniffBytes];
        var read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        var found = TextEncodingDetector.Detect(head.AsSpan(0, read), truncated: read == head.Length);
        stream.Seek(found.PreambleLength, SeekOrigin.Begin);
        return found.PreambleLength > 0
            ? (found.Encoding, found.Name)
            : choice switch
            {
                CsvEncodingChoice.Cp932 => (JapaneseEncodings.StrictCp932(), "CP932"),
                CsvEncodingChoice.Utf8 => (JapaneseEncodings.StrictUtf8(), "UTF-8"),
                _ => (found.Encoding, found.Name),
            };
    }
}
