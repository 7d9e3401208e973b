using Dxmig.Extractors.Cess;
using Dxmig.Extractors.Csv;
using Dxmig.Contracts;
using Dxmig.Platform.Pipeline;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Dxmig.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Extractors.Tests;

public sealed class StaffCsvExtractorTests : IDisposable
{
    private const string Header = "職員番号,氏名,氏名カナ,所属コード,所属名,役職,電話,内線,メール,着任日";
    private readonly TempFolder temp = new();

    static StaffCsvExtractorTests() => JapaneseEncodings.EnsureRegistered();

    public void Dispose() => temp.Dispose();

    private string WriteCp932(params byte[][] lines)
    {
        var path = temp.File("staff.csv");
        using var stream = File.Create(path);
        foreach (var line in lines)
        {
            stream.Write(line);
            stream.Write("\r\n"u8);
        }

        return path;
    }

    private static byte[] Cp932(string text) => JapaneseEncodings.StrictCp932().GetBytes(text);

    [Fact]
    public async Task Extract_BadBytes_QuarantinesThatRowWithItsLineAndBytes_AndReadsTheRest()
    {
        var path = WriteCp932(
            Cp932(Header),
            Cp932("A001,髙﨑　①郎,ﾀｶｻｷ ｲﾁﾛｳ,101000,総務課,主事,03-1234-5678,2001,a001@pref.example.jp,令和5年4月1日"),
            [.. Cp932("A002,"), 0x81, 0x20, .. Cp932(",ﾌﾒｲ,101000,総務課,主事,,,,")],
            Cp932("A003,\uE000橋　一郎,,101000,総務課,主事,,,,2023/04/01"));

        var items = await ExtractAsync(path);

        items.Should().HaveCount(3);
        items[0].Payload!.Name.Should().Be("髙﨑　①郎");
        items[0].Key.NativeId.Should().Be("A001");
        items[1].Problem!.Code.Should().Be("bad-bytes");
        items[1].Problem!.Message.Should().Contain("行 3").And.Contain("0x81").And.Contain("line 3");
        items[1].Location.Should().Be("staff.csv:3");
        items[2].Payload!.Name.Should().Be("\uE000橋　一郎");
    }

    [Fact]
    public async Task Extract_MissingIdAndDuplicates_QuarantineOrSkipByRule()
    {
        var path = WriteCp932(
            Cp932(Header),
            Cp932("A001,田中　太郎,,101000,総務課,主事,,,,"),
            Cp932(",名無し　権兵衛,,101000,総務課,主事,,,,"),
            Cp932("A001,田中　太郎,,101000,総務課,主事,,,,"),
            Cp932("Ａ００１,田中　太郎,,101000,総務課,課長,,,,"));

        var items = await ExtractAsync(path);

        items.Select(i => i.Problem?.Code).Should().Equal(null, "missing-key", "duplicate-row", "duplicate-key");
        items[1].Problem!.Message.Should().Contain("行 3").And.Contain("職員番号");
        items[3].Problem!.Message.Should().Contain("行 2", "the first line with that id is named");
        items[3].Problem!.Kind.Should().Be(ProblemKind.Quarantine);
    }

    [Fact]
    public async Task Extract_MissingRequiredColumn_FailsTheFileWithTheColumnNames()
    {
        var path = WriteCp932(Cp932("氏名,所属コード"), Cp932("田中　太郎,101000"));

        var act = () => ExtractAsync(path);

        (await act.Should().ThrowAsync<AccountFailedException>()).Which.Message.Should().Contain("職員番号");
    }

    [Fact]
    public void DeletionSafety_OverCountOrPercent_HoldsBackAllButConfirmed()
    {
        var vanished = Enumerable.Range(0, 600).Select(i => ($"S{i}", (string?)null)).ToList();
        var safety = new DeletionSafety { Confirmed = new HashSet<string> { "S1", "S2" } };

        safety.Decide(vanished, 700).Select(v => v.NativeId).Should().BeEquivalentTo(["S1", "S2"]);
        safety.Pending.Should().HaveCount(598);
        new DeletionSafety().Decide(vanished.Take(3).ToList(), 10).Should().BeEmpty("30% is over the 20% default");
        new DeletionSafety().Decide(vanished.Take(3).ToList(), 100).Should().HaveCount(3);
    }

    private static async Task<List<SourceItem<StaffEntry>>> ExtractAsync(string path)
    {
        var extractor = new StaffCsvExtractor(new StaffSourceOptions(path, CsvEncodingChoice.Auto, StaffFieldMap.Default, null), NullLogger<StaffCsvExtractor>.Instance);
        var items = new List<SourceItem<StaffEntry>>();
        await foreach (var item in extractor.ExtractAsync("cess", new ExtractContext(NoCheckpoints.Instance), default))
        {
            items.Add(item);
        }

        return items;
    }
}
