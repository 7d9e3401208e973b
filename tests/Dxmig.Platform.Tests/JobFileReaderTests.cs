using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Microsoft.Extensions.Logging;

namespace Dxmig.Platform.Tests;

public sealed class JobFileReaderTests : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly Dictionary<string, string> environment = new() { ["DXMIG_HOME"] = "/tmp/dxmig-home-for-tests" };

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Read_ValidJob_ResolvesPathsAndDefaults()
    {
        temp.Write("mappings/identity.csv", "source,target\n");
        environment["SRC_DIR"] = "/data/exports";
        var path = temp.Write("jobs/ok.yaml", """
            name: wave1
            kind: test
            source:
              directory: ${SRC_DIR}
            target:
              store: ${STORE:-platform.db}
            mappings:
              identity: ../mappings/identity.csv
            ledger: ../state/ledger.db
            options:
              parallelism: 6
            """);

        var (job, diagnostics) = Read(path);

        diagnostics.Items.Should().BeEmpty();
        job!.Name.Should().Be("wave1");
        job.Ledger.Should().Be(Path.Combine(temp.Path, "state", "ledger.db"));
        job.Parallelism.Should().Be(6);
        job.Source.Value("directory").Should().Be("/data/exports");
        job.Target.Value("store").Should().Be("platform.db");
        job.Mappings["identity"].Path.Should().Be(Path.Combine(temp.Path, "mappings", "identity.csv"));
        job.LogFolder.Should().Be("/tmp/dxmig-home-for-tests/logs");
    }

    [Fact]
    public void Read_InlinePassword_IsRefusedWithItsLine()
    {
        var path = temp.Write("job.yaml", """
            name: wave1
            kind: test
            source:
              host: imap.example.jp
              password: hunter2secret
            target: {}
            """);

        var (job, diagnostics) = Read(path);

        job.Should().BeNull();
        var error = diagnostics.Items.Should().ContainSingle().Which;
        error.Position.Line.Should().Be(5);
        error.ToString().Should().Contain("job.yaml:5:3").And.Contain("秘密情報を直接書くことはできません").And.Contain("password-env");
        error.ToString().Should().NotContain("hunter2secret");
    }

    [Fact]
    public void Read_ConnectionStringWithPassword_IsRefused()
    {
        var path = temp.Write("job.yaml", """
            name: wave1
            kind: test
            source: {}
            target: {}
            ledger: Host=db1;Database=dxmig;Username=dxmig;Password=s3cret
            """);

        var (_, diagnostics) = Read(path);

        diagnostics.Items.Should().Contain(d => d.Position.Line == 5 && d.English.Contains("connection string may not carry a password", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_EveryProblemOfTheFile_IsReportedAtOnceWithLineNumbers()
    {
        var path = temp.Write("job.yaml", """
            name: wave1
            kind: test
            schedul:
              cron: "0 0 20 * *"
            schedule:
              cron: "61 0 20 ? * MON-FRI"
              calendar: holidays
            source: {}
            target: {}
            mappings:
              identity: missing/identity.csv
            options:
              parallelism: 0
            """);

        var (job, diagnostics) = Read(path);

        job.Should().BeNull();
        var text = diagnostics.Render();
        text.Should().Contain("job.yaml:3:1").And.Contain("不明なキー 'schedul'").And.Contain("did you mean 'schedule'?");
        text.Should().Contain("job.yaml:6:9").And.Contain("cron 式").And.Contain("cron expression '61 0 20 ? * MON-FRI' is not valid");
        text.Should().Contain("job.yaml:7:13").And.Contain("'schedule.calendar'").And.Contain("closed-days");
        text.Should().Contain("job.yaml:11:13").And.Contain("マッピングファイル missing/identity.csv がありません");
        text.Should().Contain("job.yaml:13:16").And.Contain("'options.parallelism' must be a whole number from 1 to 256");
        diagnostics.Items.Count(d => d.Severity == Severity.Error).Should().Be(5);
    }

    [Fact]
    public void Read_UnsetEnvironmentVariable_IsReportedWithItsLine()
    {
        var path = temp.Write("job.yaml", """
            name: wave1
            kind: test
            source:
              directory: ${DXMIG_NOT_SET_ANYWHERE}
            target: {}
            """);

        var (job, diagnostics) = Read(path);
        diagnostics.Items.Should().NotContain(d => d.Japanese.Contains("DXMIG_NOT_SET_ANYWHERE", StringComparison.Ordinal),
            "only a setting the job's kind reads asks for its variable (a switched-off section asks for none)");
        job!.Source.Value("directory");
        job.Source.Value("directory");

        diagnostics.Items.Should().ContainSingle(d => d.Position.Line == 4 && d.Japanese.Contains("環境変数 DXMIG_NOT_SET_ANYWHERE が設定されていません", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_MissingRequiredMappingAndUnknownKind_AreReported()
    {
        var path = temp.Write("job.yaml", """
            name: bad name with spaces
            kind: mail-to-fax
            source: {}
            """);

        var (_, diagnostics) = Read(path);

        var text = diagnostics.Render();
        text.Should().Contain("job.yaml:1:7").And.Contain("a job name is 1 to 100 letters");
        text.Should().Contain("job.yaml:2:7").And.Contain("unknown job kind 'mail-to-fax'; known kinds: test");
        text.Should().Contain("section 'target' is missing");
    }

    [Fact]
    public void Read_BrokenYaml_IsReportedWithItsLine()
    {
        var path = temp.Write("job.yaml", "name: wave1\nkind: test\nsource: [unclosed\n");

        var (_, diagnostics) = Read(path);

        diagnostics.Items.Should().ContainSingle().Which.ToString().Should()
            .EndWith("job.yaml:3:9: エラー: 括弧 [ ] または { } が閉じていません / error: a bracket [ ] or { } is not closed");
    }

    [Fact]
    public void Read_UnixCron_IsExplainedAtItsLineWithoutLibraryAdvice()
    {
        var path = temp.Write("job.yaml", """
            name: wave1
            kind: test
            schedule:
              cron: "30 1 * * *"
            source: {}
            target: {}
            """);

        var (_, diagnostics) = Read(path);

        var cron = diagnostics.Items.Should().ContainSingle(d => d.Japanese.Contains("cron", StringComparison.Ordinal)).Which;
        cron.ToString().Should().EndWith(
            "job.yaml:4:9: エラー: cron 式 '30 1 * * *' が不正です: cron は 6 項目 (秒 分 時 日 月 曜日) で書きます。'0 30 1 * * ?' のように先頭に秒を足してください (曜日は SUN-SAT の名前で) / " +
            "error: cron expression '30 1 * * *' is not valid: cron has 6 fields (second minute hour day month weekday): add the seconds first, as in '0 30 1 * * ?' (weekdays by name, SUN-SAT)");
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("${A}/x", "alpha/x")]
    [InlineData("${MISSING:-fallback}", "fallback")]
    [InlineData("cost $$5 ${A}", "cost $5 alpha")]
    [InlineData("${A", "${A")]
    public void Expand_Values(string input, string expected)
    {
        var missing = new List<string>();
        EnvironmentExpander.Expand(input, n => n == "A" ? "alpha" : null, missing.Add).Should().Be(expected);
        missing.Should().BeEmpty();
    }

    private static IReadOnlyDictionary<string, JobKindSchema> Kinds { get; } = new Dictionary<string, JobKindSchema>
    {
        ["test"] = new("test", new Dictionary<string, bool> { ["identity"] = false }),
    };

    private string? Env(string name) => environment.TryGetValue(name, out var v) ? v : null;

    private (JobFile? Job, DiagnosticBag Diagnostics) Read(string path)
    {
        var diagnostics = new DiagnosticBag();
        var job = JobFileReader.Read(path, Kinds, diagnostics, Env);
        return (diagnostics.HasErrors ? null : job, diagnostics);
    }
}
