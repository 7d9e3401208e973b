using System.Text;
using Dxmig.Contracts.Text;

namespace Dxmig.Contracts.Tests.Text;

/// <summary>
/// The decoder every whole text file dxmig is given goes through (mapping CSVs and YAML, job files): UTF-8 with or
/// without BOM, CP932 with its NEC and IBM extension characters, and text in neither refused with the place of the
/// first byte that does not decode.
/// </summary>
public sealed class TextFileTests
{
    private const string Japanese = "code,name\n1,髙橋 﨑山 ①号室\n";

    [Fact]
    public void Decode_Utf8WithoutBom_ReadsTheText()
    {
        var (text, failure) = TextFile.Decode(Encoding.UTF8.GetBytes(Japanese));

        failure.Should().BeNull();
        text!.Text.Should().Be(Japanese);
        text.EncodingName.Should().Be("UTF-8 (detected)");
    }

    [Fact]
    public void Decode_Utf8WithBom_ReadsTheTextWithoutTheBom()
    {
        var (text, failure) = TextFile.Decode([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Japanese)]);

        failure.Should().BeNull();
        text!.Text.Should().Be(Japanese);
        text.EncodingName.Should().Be("UTF-8 (BOM)");
    }

    [Fact]
    public void Decode_Cp932_ReadsNecAndIbmExtensionCharacters()
    {
        // 髙 and 﨑 as the NEC-selected IBM rows (0xEEE0, 0xED95) some writers produce, and as the IBM rows Windows writes
        // (0xFBFC, 0xFAB1); ① (0x8740) from NEC row 13.
        byte[] bytes = [.. "code,name\n1,"u8, 0xEE, 0xE0, 0xED, 0x95, 0x87, 0x40, (byte)',', 0xFB, 0xFC, 0xFA, 0xB1, (byte)'\n'];

        var (text, failure) = TextFile.Decode(bytes);

        failure.Should().BeNull();
        text!.Text.Should().Be("code,name\n1,髙﨑①,髙﨑\n");
        text.EncodingName.Should().Be("CP932 (detected)");
    }

    [Fact]
    public void Decode_Cp932FromExcel_ReadsKanjiWhoseSecondByteIsABackslash()
    {
        // Excel's "CSV (コンマ区切り)": 表 (0x955C) and ソ (0x835C) end in 0x5C, the byte UTF-8 reads as '\'.
        var bytes = JapaneseEncodings.StrictCp932().GetBytes("100000,総務部表ソフト課,\r\n");

        var (text, failure) = TextFile.Decode(bytes);

        failure.Should().BeNull();
        text!.Text.Should().Be("100000,総務部表ソフト課,\r\n");
    }

    [Fact]
    public void Decode_ByteInNeitherEncoding_FailsWithItsLineAndByteAndTheEncodingsTried()
    {
        // Line 2 is CP932 (not UTF-8), line 3 holds 0xFF, which neither reads: the farther place is reported.
        byte[] bytes = [.. "code,name\n"u8, .. JapaneseEncodings.StrictCp932().GetBytes("1,総務\n"), .. "12,ab"u8, 0xFF, (byte)'\n'];

        var (text, failure) = TextFile.Decode(bytes);

        text.Should().BeNull();
        failure.Should().NotBeNull();
        (failure!.Line, failure.Byte).Should().Be((3, 6));
        failure.Japanese.Should().Be(
            "このファイルは UTF-8 としても CP932 としても読めません (3 行目 6 バイト目、0xFF)。UTF-8 か CP932 (Excel の「CSV (コンマ区切り)」) で保存し直してください");
        failure.English.Should().Be("the text does not decode as UTF-8 or CP932 (line 3, byte 6: 0xFF): save the file as UTF-8 or CP932");
    }

    [Fact]
    public void Decode_Latin1_PointsAtTheAccentedLetterNotTheByteAfterIt()
    {
        // é (0xE9) is a CP932 lead byte; the comma after it is no trail byte, so the sequence refused starts at é.
        var bytes = Encoding.Latin1.GetBytes("source,target\nrené,rene@example.jp\n");

        var (_, failure) = TextFile.Decode(bytes);

        (failure!.Line, failure.Byte).Should().Be((2, 4));
        failure.English.Should().Contain("(line 2, byte 4: 0xE9)");
    }

    [Fact]
    public void Decode_Utf8WithAStrayByteAfterJapanese_PointsAtTheStrayByte()
    {
        // CP932 already fails on line 1 (UTF-8 kanji are no CP932 text), UTF-8 only at the stray 0x80 on line 3.
        byte[] bytes = [.. "名前,部署\n田中,総務\n"u8, .. "x,"u8, 0x80, (byte)'\n'];

        var (_, failure) = TextFile.Decode(bytes);

        (failure!.Line, failure.Byte).Should().Be((3, 3));
    }

    [Fact]
    public void Decode_Utf8WithBomAndABadByte_NamesOnlyUtf8()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. "a,b\n"u8, 0xC3, (byte)'\n'];

        var (_, failure) = TextFile.Decode(bytes);

        (failure!.Line, failure.Byte).Should().Be((2, 1));
        failure.English.Should().StartWith("the text does not decode as UTF-8 (BOM) (line 2, byte 1: 0xC3)");
        failure.Japanese.Should().NotContain("CP932 としても");
    }

    [Fact]
    public void Decode_Utf16WithBom_ReadsTheText()
    {
        var (text, failure) = TextFile.Decode([0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Japanese)]);

        failure.Should().BeNull();
        text!.Text.Should().Be(Japanese);
    }

    [Fact]
    public void Read_FileInNeitherEncoding_ReportsItAtTheFileAndLine()
    {
        using var folder = new TestSupport.TempFolder();
        var path = folder.File("x.csv");
        File.WriteAllBytes(path, [.. "a\n"u8, 0xA0, (byte)'\n']);
        var diagnostics = new DiagnosticBag();

        TextFile.Read(path, "mappings/x.csv", diagnostics).Should().BeNull();

        diagnostics.Render().Should().StartWith("mappings/x.csv:2:1: エラー: このファイルは UTF-8 としても CP932 としても読めません (2 行目 1 バイト目、0xA0)");
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0xE3, 0x81 }, 1)]
    [InlineData(new byte[] { 0x61, 0x0A, 0xFF }, 2)]
    [InlineData(new byte[] { 0xE3, 0x81, 0x82, 0xE3, 0x28 }, 3)]
    public void FirstUndecodable_Utf8_FindsTheStartOfTheRefusedSequence(byte[] bytes, int expected) =>
        TextEncodingDetector.FirstUndecodable(JapaneseEncodings.StrictUtf8(), bytes).Should().Be(expected);

    [Theory]
    [InlineData(new byte[] { 0x61, 0x88, 0x9F, 0xE9, 0x2C }, 3)]
    [InlineData(new byte[] { 0x88, 0x9F, 0xFD }, 2)]
    [InlineData(new byte[] { 0x61, 0x88 }, 1)]
    public void FirstUndecodable_Cp932_FindsTheStartOfTheRefusedSequence(byte[] bytes, int expected) =>
        TextEncodingDetector.FirstUndecodable(JapaneseEncodings.StrictCp932(), bytes).Should().Be(expected);

    [Fact]
    public void FirstUndecodable_TextThatDecodes_IsNull() =>
        TextEncodingDetector.FirstUndecodable(JapaneseEncodings.StrictCp932(), JapaneseEncodings.StrictCp932().GetBytes("髙﨑①㈱")).Should().BeNull();
}
