using System.Text;
using Dxmig.Extractors.AddressBook;
using Dxmig.Extractors.Csv;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Dxmig.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Extractors.Tests;

public sealed class AddressBookCsvExtractorTests : IDisposable
{
    private const string Header = "名前,ふりがな,メールアドレス,組織名,部署,役職,電話1,電話2,電話3,FAX,郵便番号,都道府県,市区町村,番地,URL,メモ";
    private const string Special = "\uE000橋　一郎,ﾀｶﾊｼ ｲﾁﾛｳ,ichiro@example.jp,㈱みらい商事,第①営業部,課長,03-1234-5678,,,,〒100-0001,東京都,千代田区,1-1,,\"髙と①と㈱～\r\n二行目\"";
    private readonly TempFolder temp = new();

    static AddressBookCsvExtractorTests() => JapaneseEncodings.EnsureRegistered();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("cp932")]
    [InlineData("utf-8-bom")]
    [InlineData("utf-8")]
    public async Task Extract_EitherEncoding_KeepsExtensionCharactersAndGaiji(string encoding)
    {
        var path = Write("tanaka.csv", encoding, Header, Special, "佐藤　花子,さとう はなこ,hanako@example.jp,,,,,,,,,,,,,");

        var items = await ExtractAsync(path);

        items.Should().HaveCount(2).And.OnlyContain(i => i.Problem == null);
        var entry = items[0].Payload!;
        entry.Name.Should().Be("\uE000橋　一郎");
        entry.Organization.Should().Be("㈱みらい商事");
        entry.Department.Should().Be("第①営業部");
        entry.Memo.Should().Be("髙と①と㈱～\r\n二行目");
        entry.Line.Should().Be(2);
        items[1].Location.Should().Be("tanaka.csv:4", "the memo of line 2 spans two lines");
        items[0].Key.NativeId.Should().Be("\uE000橋 一郎<ichiro@example.jp>");
    }

    [Fact]
    public async Task Extract_SameDataInCp932AndUtf8_GivesTheSameKeysAndHashes()
    {
        var cp932 = await ExtractAsync(Write("a.csv", "cp932", Header, Special));
        var utf8 = await ExtractAsync(Write("b.csv", "utf-8-bom", Header, Special));

        cp932[0].Key.NativeId.Should().Be(utf8[0].Key.NativeId);
        cp932[0].ContentHash.Should().Be(utf8[0].ContentHash, "a re-export in another encoding is not a change");
    }

    [Fact]
    public async Task Extract_RowWithBadBytes_IsQuarantinedWithItsLineAndTheOthersGoOn()
    {
        var path = temp.File("bad.csv");
        var cp932 = Encoding.GetEncoding(932);
        using (var file = File.Create(path))
        {
            file.Write(cp932.GetBytes(Header + "\r\n" + "良い　行,,good@example.jp,,,,,,,,,,,,,\r\n"));
            file.Write(cp932.GetBytes("悪い,,"));
            file.Write([0x81, 0x7F]);
            file.Write(cp932.GetBytes("@example.jp,,,,,,,,,,,,,\r\n" + "次の　行,,next@example.jp,,,,,,,,,,,,,\r\n"));
        }

        var items = await ExtractAsync(path, CsvEncodingChoice.Cp932);

        items.Should().HaveCount(3);
        items[1].Problem!.Code.Should().Be("bad-bytes");
        items[1].Problem!.Message.Should().Contain("行 3 の 3 列目").And.Contain("0x817F").And.Contain("line 3, column 3");
        items[1].Location.Should().Be("bad.csv:3");
        items[2].Payload!.Email.Should().Be("next@example.jp");
    }

    [Fact]
    public async Task Extract_NecSelectedIbmRows_AreReadAsMicrosoftsTableReadsThem_NotQuarantined()
    {
        // 髙 and 﨑 as some writers encode them (0xEEE0, 0xED95), not as .NET writes them (0xFBFC, 0xFAB1).
        var path = temp.File("nec.csv");
        var cp932 = Encoding.GetEncoding(932);
        using (var file = File.Create(path))
        {
            file.Write(cp932.GetBytes(Header + "\r\n"));
            file.Write([0xEE, 0xE0]);
            file.Write(cp932.GetBytes("橋　"));
            file.Write([0xED, 0x95]);
            file.Write(cp932.GetBytes("子,,takahashi@example.jp,,,,,,,,,,,,,\r\n"));
        }

        var items = await ExtractAsync(path, CsvEncodingChoice.Cp932);

        items.Should().ContainSingle().Which.Problem.Should().BeNull();
        items[0].Payload!.Name.Should().Be("髙橋　﨑子");
    }

    [Fact]
    public async Task Extract_ProblemRows_EachGetsItsReason()
    {
        var path = Write("rows.csv", "utf-8-bom", Header,
            "短い,行",
            ",,,組織だけ,,,,,,,,,,,,",
            ",,,,,,,,,,,,,,,",
            "同じ　人,,same@example.jp,A,,,,,,,,,,,,",
            "同じ　人,,same@example.jp,A,,,,,,,,,,,,",
            "同じ　人,,same@example.jp,B,,,,,,,,,,,,",
            "\"閉じない,引用");

        var items = await ExtractAsync(path);

        items.Select(i => i.Problem?.Code).Should().Equal("column-count", "missing-key", "empty-row", null, "duplicate-row", "duplicate-key", "malformed-row");
        items.Select(i => i.Problem?.Kind).Should().Equal(ProblemKind.Quarantine, ProblemKind.Quarantine, ProblemKind.Skip, null, ProblemKind.Skip, ProblemKind.Quarantine, ProblemKind.Quarantine);
        items.Select(i => i.Key.Ref).Should().OnlyHaveUniqueItems("every row, even a repeated one, is its own ledger entry");
        items[5].Problem!.Message.Should().Contain("行 7 は行 5 と");
    }

    [Fact]
    public async Task Scan_KeysOnly_AgreesWithTheRunsOwnReadOfEveryKindOfRow()
    {
        var clean = Write("clean.csv", "cp932", Header, Special,
            ",,,組織だけ,,,,,,,,,,,,",
            ",,,,,,,,,,,,,,,",
            "同じ　人,,Same@example.jp,A,,,,,,,,,,,,",
            "同じ　人,,Same@example.jp,A,,,,,,,,,,,,",
            "同じ 人,,same@example.jp,B,,,,,,,,,,,,",
            "佐藤　花子,さとう はなこ,,,,,,,,,,,,,,");
        var unreadable = Write("unreadable.csv", "utf-8-bom", Header, "山田　太郎,,taro@example.jp,,,,,,,,,,,,,", "短い,行");

        var scan = await ScanAsync(clean);
        var items = await ExtractAsync(clean);

        scan.Present.Should().BeEquivalentTo(
            items.Select(i => i.Problem is null ? i.Key.NativeId : i.Key.NativeId.Split("#line:")[0]).Where(id => !id.StartsWith("line:", StringComparison.Ordinal)).Distinct(),
            "the scan's keys are those the run reads, repeated rows included");
        scan.Present.Should().BeEquivalentTo(["\uE000橋 一郎<ichiro@example.jp>", "同じ 人<same@example.jp>", "佐藤 花子<>"]);
        (scan.Rows, scan.Uncertain).Should().Be((6, false), "the empty row does not count; a row without a key counts but is no doubt");

        var doubtful = await ScanAsync(unreadable);
        (doubtful.Present.Count, doubtful.Rows, doubtful.Uncertain).Should().Be((1, 2, true), "a row that cannot be read may be any contact");
    }

    [Fact]
    public async Task Extract_MissingRequiredColumn_FailsTheAccountWithTheHeader()
    {
        var path = Write("x.csv", "utf-8-bom", "名前,電話1", "山田,03");

        var act = () => ExtractAsync(path);

        (await act.Should().ThrowAsync<AccountFailedException>()).Which.Message
            .Should().Contain("必須の列がありません").And.Contain("メールアドレス").And.Contain("x.csv:1");
    }

    [Fact]
    public async Task Extract_MissingFile_FailsTheAccount()
    {
        var act = () => ExtractAsync(temp.File("none.csv"));

        (await act.Should().ThrowAsync<AccountFailedException>()).Which.Message.Should().Contain("none.csv");
    }

    private string Write(string name, string encoding, params string[] lines)
    {
        var path = temp.File(name);
        var text = string.Join("\r\n", lines) + "\r\n";
        byte[] bytes = encoding switch
        {
            "cp932" => Encoding.GetEncoding(932).GetBytes(text),
            "utf-8-bom" => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)],
            _ => Encoding.UTF8.GetBytes(text),
        };
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static Task<ExportScan> ScanAsync(string path) =>
        new AddressBookCsvExtractor(
            new AddressBookSourceOptions(new Dictionary<string, string> { ["tanaka"] = path }, CsvEncodingChoice.Auto, AddressBookFieldMap.Default),
            NullLogger<AddressBookCsvExtractor>.Instance).ScanAsync("tanaka", default);

    private static async Task<List<SourceItem<AddressBookEntry>>> ExtractAsync(string path, CsvEncodingChoice encoding = CsvEncodingChoice.Auto)
    {
        var extractor = new AddressBookCsvExtractor(
            new AddressBookSourceOptions(new Dictionary<string, string> { ["tanaka"] = path }, encoding, AddressBookFieldMap.Default),
            NullLogger<AddressBookCsvExtractor>.Instance);
        var items = new List<SourceItem<AddressBookEntry>>();
        await foreach (var item in extractor.ExtractAsync("tanaka", new ExtractContext(NoCheckpoints.Instance), default))
        {
            items.Add(item);
        }

        return items;
    }

}
