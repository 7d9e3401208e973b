using Dxmig.Transformers.Cess;

namespace Dxmig.Transformers.Tests;

public sealed class SharePointNamesTests
{
    [Theory]
    [InlineData("総務課/議事録 a:b.txt", "総務課/議事録 a：b.txt", "invalid-character")]
    [InlineData("何?|\"<>*.txt", "何？｜＂＜＞＊.txt", "invalid-character")]
    [InlineData(" 前後 /  資料.txt ", "前後/資料.txt", "surrounding-space")]
    [InlineData("CON.txt", "CON_.txt", "reserved-name")]
    [InlineData("lpt1", "lpt1_", "reserved-name")]
    [InlineData("desktop.ini", "desktop_.ini", "reserved-name")]
    [InlineData("~$下書き.docx", "～$下書き.docx", "leading-character")]
    [InlineData("~作業/a_vti_b.txt", "～作業/a_vti＿b.txt", "leading-character")]
    public void Apply_RefusedNames_AreRenamedAndRecorded(string path, string expected, string rule)
    {
        var (renamed, renames) = SharePointNames.Default.Apply(path);

        renamed.Should().Be(expected);
        renames.Should().Contain(r => r.Rule == rule);
    }

    [Fact]
    public void Apply_AcceptedName_IsUnchanged_AndRecordsNothing()
    {
        var (renamed, renames) = SharePointNames.Default.Apply("総務課/令和5年度/①会議資料（案）.xlsx", "CESS文書");

        renamed.Should().Be("総務課/令和5年度/①会議資料（案）.xlsx");
        renames.Should().BeEmpty();
    }

    [Fact]
    public void Apply_PathOver400_ShortensTheLongestFolders_Deterministically_AndKeepsLongNamesApart()
    {
        var longA = "第1階層" + new string('あ', 150);
        var longB = "第1階層" + new string('あ', 149) + "い";
        var path = $"{longA}/{new string('か', 150)}/{new string('さ', 90)}.txt";

        var (renamed, renames) = SharePointNames.Default.Apply(path, "CESS文書");
        var (again, _) = SharePointNames.Default.Apply(path, "CESS文書");
        var (other, _) = SharePointNames.Default.Apply($"{longB}/{new string('か', 150)}/{new string('さ', 90)}.txt", "CESS文書");

        ("CESS文書/" + renamed).Length.Should().BeLessThanOrEqualTo(400);
        renamed.Should().Be(again);
        renamed!.Split('/')[0].Should().NotBe(other!.Split('/')[0]);
        renamed.Should().EndWith(new string('さ', 90) + ".txt", "the file name is cut last");
        renames.Should().OnlyContain(r => r.Rule == "path-too-long");
    }

    [Fact]
    public void Apply_ATooLongFileNameAlone_IsShortenedKeepingItsExtension_OrRefusedWhenNothingIsLeftToCut()
    {
        var (renamed, _) = SharePointNames.Default.Apply(new string('な', 420) + ".pdf");
        var (refused, _) = SharePointNames.Default.Apply(string.Join('/', Enumerable.Repeat(new string('は', 40), 11)));

        renamed!.Length.Should().BeLessThanOrEqualTo(40);
        renamed.Should().EndWith(".pdf");
        refused.Should().BeNull("eleven 40-character folders cannot be cut below 400");
    }
}
