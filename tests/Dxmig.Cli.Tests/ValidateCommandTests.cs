using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Tests;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Theory]
    [InlineData("examples/mail-imap-to-imap.yaml")]
    [InlineData("examples/mail-imap-to-graph.yaml")]
    [InlineData("examples/mail-imap-to-exo-imap.yaml")]
    [InlineData("demo-mail.yaml")]
    [InlineData("demo-mail-graph.yaml")]
    public async Task Validate_ShippedMailJobs_AreValidWithTheirVariablesSet(string job)
    {
        var accounts = cli.Write("accounts.csv", "source,target\ntanaka,tanaka@pref.example.jp\n");
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["DXMIG_SRC_HOST"] = "127.0.0.1", ["DXMIG_DST_HOST"] = "127.0.0.1", ["DXMIG_SRC_ADMIN_USER"] = "admin", ["DXMIG_DST_ADMIN_USER"] = "admin",
            ["DXMIG_GRAPH_TENANT"] = "t", ["DXMIG_GRAPH_CLIENT_ID"] = "c", ["DXMIG_ACCOUNTS"] = accounts, ["DXMIG_LEDGER"] = cli.Ledger,
            ["DXMIG_SRC_ADMIN_PASSWORD"] = "p", ["DXMIG_DST_ADMIN_PASSWORD"] = "p", ["DXMIG_GRAPH_CLIENT_SECRET"] = "s",
        })
        {
            cli.Environment[key] = value;
        }

        var (code, output, error) = await cli.RunAsync("validate", Path.Combine(Dxmig.TestSupport.RepoPaths.Root, "jobs", job));

        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("問題なし / OK");
    }

    [Fact]
    public async Task Validate_SecretVariableUnset_FailsNamingIt_AndPlanSaysSoAsAnError()
    {
        var accounts = cli.Write("accounts.csv", "source,target\ntanaka,tanaka@pref.example.jp\n");
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["DXMIG_SRC_HOST"] = "127.0.0.1", ["DXMIG_SRC_SECURITY"] = "none", ["DXMIG_SRC_ADMIN_USER"] = "admin", ["DXMIG_DST_HOST"] = "127.0.0.1",
            ["DXMIG_DST_SECURITY"] = "none", ["DXMIG_DST_ADMIN_USER"] = "admin", ["DXMIG_DST_ADMIN_PASSWORD"] = "p", ["DXMIG_ACCOUNTS"] = accounts,
            ["DXMIG_LEDGER"] = cli.Ledger,
        })
        {
            cli.Environment[key] = value;
        }

        var job = Path.Combine(Dxmig.TestSupport.RepoPaths.Root, "jobs", "examples", "mail-imap-to-imap.yaml");

        var (code, output, error) = await cli.RunAsync("validate", job);
        var (planCode, _, planError) = await cli.RunAsync("plan", job);

        code.Should().Be(ExitCodes.Failed, output);
        output.Should().NotContain("問題なし");
        error.Should().Contain("mail-imap-to-imap.yaml:").And.Contain("エラー: 環境変数 DXMIG_SRC_ADMIN_PASSWORD (秘密情報) が設定されていません")
            .And.Contain("error: the secret's environment variable DXMIG_SRC_ADMIN_PASSWORD is not set");
        planCode.Should().Be(ExitCodes.Failed);
        planError.Should().Contain("エラー: 環境変数 DXMIG_SRC_ADMIN_PASSWORD").And.NotContain("total");
    }

    [Fact]
    public async Task Validate_AbsolutePathOutsideTheCurrentFolder_IsPrintedAbsolute()
    {
        var job = cli.Write("jobs/typo.yaml", "name: typo\nkind: addressbook\nsource:\n  type: activemail-addressbook-csv\n  directory: ../none\ntarget:\n  type: platform-contacts\n");
        Path.GetRelativePath(Directory.GetCurrentDirectory(), job).Should().StartWith("..", "the test's folder is outside the current one");

        var (code, _, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain($"{job}:5:14: エラー:").And.NotContain("../../");
    }

    [Fact]
    public async Task Validate_GraphTargetWithoutCredential_IsRefusedAtItsLine()
    {
        var job = cli.Write("jobs/graph.yaml", """
            name: g
            kind: mail
            source: { type: imap, host: 127.0.0.1, security: none, admin-user: a, admin-password-env: X }
            target:
              type: graph
              base-url: http://127.0.0.1:1/v1.0
              tenant-id: t
              client-id: c
              client-secret: inline-secret-value
            ledger: ledger.db
            mappings: { identity: accounts.csv }
            """);
        cli.Write("jobs/accounts.csv", "source,target\na,a@b.jp\n");

        var (code, output, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Failed);
        (output + error).Should().Contain("https").And.Contain("client-secret").And.NotContain("inline-secret-value");
    }

    [Fact]
    public async Task Validate_GoodJob_SaysOkWithTheAccountCount()
    {
        cli.Samples(accounts: 3);

        var (code, output, _) = await cli.RunAsync("validate", cli.JobFile());

        code.Should().Be(ExitCodes.Success);
        output.Should().Contain("問題なし / OK").And.Contain("accounts 3");
    }

    [Fact]
    public async Task Validate_BrokenJob_ReportsEveryProblemWithFileAndLineInBothLanguages()
    {
        cli.Samples(accounts: 1);
        var job = cli.Write("jobs/broken.yaml", """
            name: broken
            kind: addressbook
            schedule:
              cron: "0 0 25 * * ?"
            source:
              type: activemail-addressbook-csv
              directory: ../exports
              encodng: cp932
            target:
              type: platform-contacts
              password: plain-text-pw
            mappings:
              identity: ../mappings/nowhere.csv
            """);

        var (code, _, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain("broken.yaml:4:9: エラー: cron 式").And.Contain("error: cron expression '0 0 25 * * ?' is not valid");
        error.Should().Contain("broken.yaml:8:3: エラー: 不明なキー 'source.encodng' です (もしかして 'encoding'?)");
        error.Should().Contain("broken.yaml:11:3: エラー: 'password' に秘密情報を直接書くことはできません");
        error.Should().Contain("broken.yaml:13:13: エラー: マッピングファイル ../mappings/nowhere.csv がありません");
        error.Should().NotContain("plain-text-pw");
    }

    [Fact]
    public async Task Validate_BadMappingFileContent_IsReportedAtItsOwnLine()
    {
        cli.Samples(accounts: 1);
        cli.Write("mappings/identity.csv", "source,target\nuser000,ok@example.jp\nuser001,not-an-address\nuser000,again@example.jp\n");
        var job = cli.JobFile(extra: "");
        File.WriteAllText(job, File.ReadAllText(job).Replace("mappings:\n", "mappings:\n  identity: ../mappings/identity.csv\n", StringComparison.Ordinal));

        var (code, _, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain("identity.csv:3:1").And.Contain("not-an-address");
        error.Should().Contain("identity.csv:4:1").And.Contain("also on line 2");
    }

    [Fact]
    public async Task Run_BrokenJob_DoesNotStartAndExitsWithTwo()
    {
        var job = cli.Write("jobs/x.yaml", "name: x\nkind: addressbook\nsource:\n  type: activemail-addressbook-csv\n  directory: ../none\ntarget:\n  type: platform-contacts\n");

        var (code, _, error) = await cli.RunAsync("run", job);

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain("x.yaml:5:14").And.Contain("not run: the configuration has errors");
    }
}
