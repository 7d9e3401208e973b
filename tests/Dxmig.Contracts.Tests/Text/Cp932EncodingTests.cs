using System.Globalization;
using System.Text;
using Dxmig.Contracts.Text;

namespace Dxmig.Contracts.Tests.Text;

/// <summary>
/// dxmig's CP932 against an oracle built outside .NET (Text/Data/cp932-decode-table.txt: every byte sequence
/// Microsoft's CP932 table maps, from Python's cp932 codec): every listed sequence decodes to its code point, every
/// other one- and two-byte sequence is refused.
/// </summary>
public sealed class Cp932EncodingTests
{
    private static readonly Dictionary<string, int> Oracle = ReadOracle();

    [Fact]
    public void EveryListedSequence_DecodesToItsCodePoint_AndEveryOtherIsRefused()
    {
        var strict = JapaneseEncodings.StrictCp932();
        var wrong = new List<string>();
        var sequences = 0;
        foreach (var bytes in AllSequences())
        {
            sequences++;
            var hex = Convert.ToHexString(bytes);
            string? decoded;
            try
            {
                decoded = strict.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                decoded = null;
            }

            if (Oracle.TryGetValue(hex, out var codePoint))
            {
                if (decoded != char.ConvertFromUtf32(codePoint))
                {
                    wrong.Add($"{hex}: expected U+{codePoint:X4}, got {(decoded is null ? "refused" : string.Join(' ', decoded.Select(c => $"U+{(int)c:X4}")))}");
                }
            }
            else if (decoded is not null)
            {
                wrong.Add($"{hex}: not CP932, decoded as {string.Join(' ', decoded.Select(c => $"U+{(int)c:X4}"))}");
            }
        }

        sequences.Should().Be(256 + (60 * 189), "every single byte and every lead byte with every trail byte");
        Oracle.Should().HaveCount(9795);
        wrong.Should().BeEmpty($"{wrong.Count} of {sequences} sequences differ from Microsoft's table: {string.Join("; ", wrong)}");
    }

    [Theory]
    [InlineData("EEE0", "髙")]
    [InlineData("ED95", "﨑")]
    [InlineData("EEEF", "ⅰ")]
    [InlineData("EEF9", "￢")]
    public void TheNecSelectedIbmRows_ReadAsTheirIbmTwins(string hex, string expected)
    {
        JapaneseEncodings.StrictCp932().GetString(Convert.FromHexString(hex)).Should().Be(expected);
    }

    [Fact]
    public void AStreamSplitBetweenLeadAndTrailByte_DecodesTheSame()
    {
        var bytes = Convert.FromHexString("8EA0EEE0ED9541"); // 滋 髙 﨑 A
        var decoder = JapaneseEncodings.StrictCp932().GetDecoder();
        var text = new StringBuilder();
        foreach (var cut in new[] { bytes[..3], bytes[3..5], bytes[5..] })
        {
            var chars = new char[16];
            text.Append(chars, 0, decoder.GetChars(cut, 0, cut.Length, chars, 0, flush: cut == bytes[5..]));
        }

        text.ToString().Should().Be("滋髙﨑A");
    }

    [Fact]
    public void CodePage932ByNumberOrName_AndMimeKitsHeaders_UseMicrosoftsTable()
    {
        Encoding.GetEncoding(932).GetString(Convert.FromHexString("EEE0")).Should().Be("髙");
        Encoding.GetEncoding("shift_jis").GetString(Convert.FromHexString("ED95")).Should().Be("﨑");
        var header = "=?shift_jis?B?" + Convert.ToBase64String(Convert.FromHexString("EEE0ED95")) + "?=";
        MimeKit.Utils.Rfc2047.DecodeText(Encoding.ASCII.GetBytes(header)).Should().Be("髙﨑");
    }

    [Fact]
    public void BytesThatAreNotText_AreRefusedByTheStrictDecoder_AndReplacedByTheLenientOne()
    {
        var strict = () => JapaneseEncodings.StrictCp932().GetString([0x41, 0xFD, 0x42]);
        strict.Should().Throw<DecoderFallbackException>();
        Encoding.GetEncoding(932).GetString([0x41, 0xFD, 0x42]).Should().Be("A?B", "the lenient decoder replaces, as .NET's own does");
    }

    private static IEnumerable<byte[]> AllSequences()
    {
        for (var b = 0; b < 256; b++)
        {
            yield return [(byte)b];
        }

        foreach (var lead in Enumerable.Range(0x81, 0x9F - 0x81 + 1).Concat(Enumerable.Range(0xE0, 0xFC - 0xE0 + 1)))
        {
            for (var trail = 0x40; trail <= 0xFC; trail++)
            {
                yield return [(byte)lead, (byte)trail];
            }
        }
    }

    private static Dictionary<string, int> ReadOracle()
    {
        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Text", "Data", "cp932-decode-table.txt")))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split('\t');
            rows[parts[0].Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant()] =
                int.Parse(parts[1].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return rows;
    }
}
