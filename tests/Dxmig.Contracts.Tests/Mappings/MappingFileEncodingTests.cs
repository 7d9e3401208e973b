using System.Text;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Text;
using Dxmig.TestSupport;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Contracts.Tests.Mappings;

/// <summary>
/// Mapping files saved as Excel saves them (CP932) load with their Japanese text intact; a file in neither UTF-8 nor
/// CP932 is one error at its line naming both encodings, never mojibake and never a second, misleading error.
/// </summary>
public sealed class MappingFileEncodingTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void DepartmentMap_Cp932_LoadsTheJapaneseNames()
    {
        var path = WriteCp932("cess-departments.csv", "code,name,parent\r\n# 所属コード\r\n100000,総務部,\r\n101000,髙﨑①ソフト課,100000\r\n");
        var diagnostics = new DiagnosticBag();

        var map = DepartmentMap.Load(path, diagnostics);

        diagnostics.Items.Should().BeEmpty();
        diagnostics.Notes.Should().ContainSingle().Which.Should().EndWith("cess-departments.csv: 文字コードを CP932 と判定して読みました / read as CP932 (detected)");
        map!.Find("100000")!.Name.Should().Be("総務部");
        map.Find("101000")!.Name.Should().Be("髙﨑①ソフト課");
    }

    [Fact]
    public void FacilityAndGaijiMaps_Cp932_LoadTheirJapaneseText()
    {
        var facilities = WriteCp932("cess-facilities.csv", "code,name,room-address\r\nR01,第１会議室,room1@pref.example.jp\r\n");
        var gaiji = WriteCp932("gaiji.csv", "codepoint,replacement\r\nU+E000,髙\r\n");
        var diagnostics = new DiagnosticBag();

        var facilityMap = FacilityMap.Load(facilities, diagnostics);
        var gaijiMap = GaijiMap.Load(gaiji, diagnostics);

        diagnostics.Items.Should().BeEmpty();
        facilityMap!.Find("R01")!.Name.Should().Be("第１会議室");
        gaijiMap!.Apply("\uE000橋", out _).Should().Be("髙橋");
    }

    [Fact]
    public void IdentityMap_Latin1_IsOneErrorAtTheBadLine()
    {
        var path = folder.File("identity.csv");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes("source,target\nuser000,a@example.jp\nrené,rene@example.jp\n"));
        var diagnostics = new DiagnosticBag();

        IdentityMap.Load(path, diagnostics).Should().BeNull();

        var error = diagnostics.Items.Should().ContainSingle().Subject;
        error.Position.Line.Should().Be(3);
        error.Position.File.Should().EndWith("identity.csv");
        error.English.Should().Be("the text does not decode as UTF-8 or CP932 (line 3, byte 4: 0xE9): save the file as UTF-8 or CP932");
    }

    [Fact]
    public void YamlFile_Cp932_LoadsTheJapaneseValues()
    {
        // ソ (0x835C) and 表 (0x955C) put a backslash byte inside a double-quoted scalar when read as UTF-8.
        var path = WriteCp932("fields.yaml", "# 列の対応\nfields:\n  name: { columns: [\"氏名\", \"ソフト表\"] }\n");
        var diagnostics = new DiagnosticBag();

        var root = YamlFile.Load(path, "fields.yaml", diagnostics);

        diagnostics.Items.Should().BeEmpty();
        var columns = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)root!["fields"])["name"])["columns"];
        columns.Children.Select(c => ((YamlScalarNode)c).Value).Should().Equal("氏名", "ソフト表");
    }

    [Fact]
    public void YamlFile_InNeitherEncoding_NamesTheEncodingsNotAYamlError()
    {
        var path = folder.File("fields.yaml");
        File.WriteAllBytes(path, [.. "fields:\n  name: { columns: [\""u8, 0x81, 0x20, .. "\"] }\n"u8]);
        var diagnostics = new DiagnosticBag();

        YamlFile.Load(path, "fields.yaml", diagnostics).Should().BeNull();

        diagnostics.Render().Should().Be(
            "fields.yaml:2:22: エラー: このファイルは UTF-8 としても CP932 としても読めません (2 行目 22 バイト目、0x81)。UTF-8 か CP932 (Excel の「CSV (コンマ区切り)」) で保存し直してください"
            + " / error: the text does not decode as UTF-8 or CP932 (line 2, byte 22: 0x81): save the file as UTF-8 or CP932");
    }

    [Fact]
    public void DepartmentMap_Utf8_LeavesNoNote()
    {
        var path = folder.Write("cess-departments.csv", "code,name,parent\n100000,総務部,\n");
        var diagnostics = new DiagnosticBag();

        DepartmentMap.Load(path, diagnostics)!.Find("100000")!.Name.Should().Be("総務部");

        diagnostics.Items.Should().BeEmpty();
        diagnostics.Notes.Should().BeEmpty();
    }

    private string WriteCp932(string name, string text)
    {
        var path = folder.File(name);
        File.WriteAllBytes(path, JapaneseEncodings.StrictCp932().GetBytes(text));
        return path;
    }
}
