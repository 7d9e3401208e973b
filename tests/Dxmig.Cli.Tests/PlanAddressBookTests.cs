using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Tests;

public sealed class PlanAddressBookTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Plan_AddressBookJob_CountsRowsPerFile()
    {
        cli.Environment["DXMIG_REPO"] = cli.Folder;
        cli.Write("exports/yamada.csv", "名前,メールアドレス,メモ\n山田,yamada@example.jp,\"二行の\nメモ\"\n佐藤,sato@example.jp,\n\n鈴木,suzuki@example.jp,\n");
        cli.Write("exports/kato.csv", "\uFEFF名前,メールアドレス\n加藤,kato@example.jp\n");

        var (code, output, error) = await cli.RunAsync("plan", cli.JobFile());

        code.Should().Be(ExitCodes.Success, output + error);
        // Piped: one record per line, cells tab-separated (account, folders, items, …).
        output.Split('\n').Single(l => l.StartsWith("yamada\t", StringComparison.Ordinal)).Split('\t')[1..3].Should().Equal("1", "3");
        output.Split('\n').Single(l => l.StartsWith("kato\t", StringComparison.Ordinal)).Split('\t')[1..3].Should().Equal("1", "1");
        output.Should().Contain("platform store: assumed").And.Contain("none (always open)").And.Contain("windows needed: 1");
    }
}
