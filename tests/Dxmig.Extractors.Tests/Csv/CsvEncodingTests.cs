using System.Text;
using Dxmig.Contracts;
using Dxmig.Contracts.Text;
using Dxmig.Extractors.AddressBook;
using Dxmig.Extractors.Csv;
using Dxmig.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Extractors.Tests.Csv;

/// <summary>
/// An export's encoding is found by the detector every file dxmig reads goes through: BOM, then valid UTF-8, then
/// CP932; the job's <c>encoding:</c> is used as given unless a BOM says otherwise; a UTF-16 export, which the byte-wise
/// CSV reader cannot split, fails its account with a message that says how to save it.
/// </summary>
public sealed class CsvEncodingTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("utf-8-bom", CsvEncodingChoice.Auto, "UTF-8 (BOM)", 3)]
    [InlineData("utf-8-bom", CsvEncodingChoice.Cp932, "UTF-8 (BOM)", 3)]
    [InlineData("utf-8", CsvEncodingChoice.Auto, "UTF-8 (detected)", 0)]
    [InlineData("cp932", CsvEncodingChoice.Auto, "CP932 (detected)", 0)]
    [InlineData("cp932", CsvEncodingChoice.Utf8, "UTF-8", 0)]
    [InlineData("ascii", CsvEncodingChoice.Auto, "CP932 (ASCII only)", 0)]
    public async Task DetectAsync_FindsTheEncodingAndSkipsTheBom(string saved, CsvEncodingChoice choice, string name, int position)
    {
        await using var stream = new MemoryStream(Bytes(saved, saved == "ascii" ? "id,name\n1,a\n" : "職員番号,氏名\n1,髙橋\n"));

        var (_, found) = await CsvEncoding.DetectAsync(stream, choice, CancellationToken.None);

        found.Should().Be(name);
        stream.Position.Should().Be(position);
    }

    [Fact]
    public async Task OpenAsync_Utf16Export_FailsTheAccountSayingHowToSaveIt()
    {
        var path = temp.File("addressbook.csv");
        File.WriteAllBytes(path, [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("名前,メールアドレス\r\n田中,tanaka@example.jp\r\n")]);
        var fields = new Dictionary<string, FieldRule> { ["name"] = new(["名前"], true) };

        var open = () => CsvExport.OpenAsync(path, CsvEncodingChoice.Auto, fields, ("アドレス帳ファイル", "address book export"), NullLogger.Instance, CancellationToken.None);

        (await open.Should().ThrowAsync<AccountFailedException>()).Which.Message.Should()
            .Contain("UTF-16 (Excel の「Unicode テキスト」) で保存されています。UTF-8 か CP932 (「CSV (コンマ区切り)」) で保存し直してください")
            .And.Contain("is saved as UTF-16");
    }

    private static byte[] Bytes(string saved, string text) => saved switch
    {
        "utf-8-bom" => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)],
        "cp932" => JapaneseEncodings.StrictCp932().GetBytes(text),
        _ => Encoding.UTF8.GetBytes(text),
    };
}
