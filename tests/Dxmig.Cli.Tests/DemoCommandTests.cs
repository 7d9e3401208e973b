using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;

namespace Dxmig.Cli.Tests;

/// <summary><c>dxmig demo</c> in-process, end to end: address books, then mail through two private Dovecot servers.</summary>
public sealed class DemoCommandTests : IDisposable
{
    private readonly CliHarness cli = new();

    public DemoCommandTests()
    {
        cli.Environment["DXMIG_HOME"] = Home;
        cli.Environment["DXMIG_REPO"] = RepoPaths.Root;
    }

    private string Home => Path.Combine(cli.Folder, "home");

    private string Sandbox => Path.Combine(Home, "demo", "sandbox");

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Demo_AddressBookAndMail_AllChecksHold_ServersRemoved_AndResetStartsAgain()
    {
        var (code, output, error) = await cli.RunAsync("demo");

        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("移行先の連絡先 870 件 / 台帳の投入済み 870 件 — 一致 / match")
            .And.Contain("仕込んだ不正行: 隔離 4 件 (想定 4)、スキップ 1 件 (想定 1) — 想定どおり / as planted")
            .And.Contain($"サンドボックス / sandbox: {Sandbox}")
            .And.Contain("generated Japanese mail: 5 mailboxes, 1,000 messages")
            .And.Contain("集計 / accounting: 読込 1000 = 投入 1000 + 削除 0 + スキップ 0 + 隔離 0 + 処理済み 0 (一致 / balanced)")
            .And.Contain("集計 / accounting: 読込 0 = 投入 0 + 削除 0 + スキップ 0 + 隔離 0 + 処理済み 0 (一致 / balanced)")
            .And.Contain("全 1,000 通: 1 通ずつ、SHA-256・フラグ・キーワード・受信日時まで 一致 / match")
            .And.Contain("1 回目の実行: 投入 1,000 通")
            .And.Contain("2 回目の実行: 読込 0 通、投入 0 通、0 B — 何も読まず何も書かず / read nothing, wrote nothing")
            .And.Contain($"台帳 / ledger: {Path.Combine(Home, "demo", "mail", "ledger.db")}")
            .And.Contain("sandbox Dovecot servers stopped and their folders removed")
            .And.Contain("アドレス帳 / address book: OK   メール / mail: OK")
            .And.Contain("demo complete: address book and mail, nothing lost, nothing doubled")
            .And.NotContain("不一致").And.NotContain("UNEXPECTED");
        foreach (var hard in new[] { "ISO-2022-JP (①㈱髙)", "raw Shift_JIS headers", "no Message-ID", "MIME without closing boundary" })
        {
            output.Should().MatchRegex($@"{System.Text.RegularExpressions.Regex.Escape(hard)}\s*│\s*(?<n>[\d,]+)\s*│\s*\k<n>\s*│", $"every {hard} message is on the target");
        }

        Directory.EnumerateFileSystemEntries(Sandbox).Should().BeEmpty("both servers are stopped and their folders removed");

        var again = await cli.RunAsync("demo", "--reset");

        again.ExitCode.Should().Be(ExitCodes.Success, again.Output + again.Error);
        again.Output.Should().Contain("wrote 12 sample address book exports").And.Contain("demo complete");
        Directory.EnumerateFileSystemEntries(Sandbox).Should().BeEmpty();
    }
}
