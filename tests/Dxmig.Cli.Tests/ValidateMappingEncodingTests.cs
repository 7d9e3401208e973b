using System.Text;
using Dxmig.Contracts.Text;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Tests;

/// <summary>
/// <c>dxmig validate</c> reads the mapping files as the run will: one whose text is in neither UTF-8 nor CP932 is an
/// error at its path, line and byte (exit 2); one saved as CP932 (Excel's "CSV (コンマ区切り)") passes and says it was read as CP932.
/// </summary>
public sealed class ValidateMappingEncodingTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Validate_Latin1IdentityMap_IsReportedWithItsPathLineAndByte()
    {
        cli.Samples(accounts: 1);
        var identity = Path.Combine(cli.Folder, "mappings", "identity.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(identity)!);
        File.WriteAllBytes(identity, Encoding.Latin1.GetBytes("source,target\nuser000,ok@example.jp\nrené,rene@example.jp\n"));
        var job = WithMapping("identity", "../mappings/identity.csv");

        var (code, output, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Failed, output + error);
        error.Should().Contain("identity.csv:3:4: エラー: このファイルは UTF-8 としても CP932 としても読めません (3 行目 4 バイト目、0xE9)")
            .And.Contain("does not decode as UTF-8 or CP932 (line 3, byte 4: 0xE9)");
        output.Should().NotContain("問題なし");
    }

    [Fact]
    public async Task Validate_Cp932FieldsYamlAndIdentityMap_PassesAndSaysTheEncoding()
    {
        cli.Samples(accounts: 1);
        var fields = Path.Combine(cli.Folder, "mappings", "fields.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(fields)!);
        var text = File.ReadAllText(Path.Combine(Dxmig.TestSupport.RepoPaths.Mappings, "activemail-addressbook-fields.yaml"), Encoding.UTF8);
        File.WriteAllBytes(fields, JapaneseEncodings.StrictCp932().GetBytes(text));
        File.WriteAllBytes(Path.Combine(cli.Folder, "mappings", "identity.csv"), JapaneseEncodings.StrictCp932().GetBytes("# 職員の対応表\r\nsource,target\r\nuser000,ok@example.jp\r\n"));
        var job = WithMapping("identity", "../mappings/identity.csv");
        var mappings = Dxmig.TestSupport.RepoPaths.Mappings.Replace("\\", "/", StringComparison.Ordinal);
        File.WriteAllText(job, File.ReadAllText(job).Replace($"{mappings}/activemail-addressbook-fields.yaml", "../mappings/fields.yaml", StringComparison.Ordinal));

        var (code, output, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("問題なし / OK");
        output.Should().Contain("fields.yaml: 文字コードを CP932 と判定して読みました / read as CP932 (detected)")
            .And.Contain("identity.csv: 文字コードを CP932 と判定して読みました / read as CP932 (detected)");
    }

    private string WithMapping(string name, string path)
    {
        var job = cli.JobFile();
        File.WriteAllText(job, File.ReadAllText(job).Replace("mappings:\n", $"mappings:\n  {name}: {path}\n", StringComparison.Ordinal));
        return job;
    }
}
