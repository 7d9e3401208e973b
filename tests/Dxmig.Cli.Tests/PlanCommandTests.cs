using System.Globalization;
using Dxmig.TestSupport.Jobs;
using Dxmig.Cli.Console;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Tests;

/// <summary><c>dxmig plan</c> against a real private Dovecot filled with the Japanese corpus.</summary>
public sealed class PlanCommandTests : IAsyncLifetime
{
    private static readonly string[] Users = ["tanaka", "suzuki", "sato"];
    private MailRunHarness mail = null!;

    public async Task InitializeAsync()
    {
        mail = await MailRunHarness.StartAsync(Users);
        mail.Cli.Environment["DXMIG_REPO"] = mail.Cli.Folder; // no closed-days configuration: the rules alone
        // Friday 2026-09-18 12:00 in Tokyo: tonight's window, then the silver week (closed), then Thursday the 24th.
        mail.Cli.Time = new FixedClock(new DateTimeOffset(2026, 9, 18, 12, 0, 0, TimeSpan.FromHours(9)));
    }

    public async Task DisposeAsync() => await mail.DisposeAsync();

    private string NightJob(string name = "nightly", Func<string, string>? edit = null) => mail.JobVariant(name, text => (edit ?? (t => t))(text.Replace(
        "source:\n", "schedule:\n  calendar: working-days\n  window: \"20:00-07:00\"\nsource:\n", StringComparison.Ordinal)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Plan_ReadsEveryMailboxSizeFromTheServer(bool fetchSizes)
    {
        var (code, output, error) = await mail.Cli.RunAsync(["plan", NightJob(), .. fetchSizes ? new[] { "--fetch-sizes" } : []]);

        code.Should().Be(ExitCodes.Success, output + error);
        foreach (var user in Users)
        {
            var box = mail.Manifest[user];
            var row = output.Split('\n').Single(l => l.StartsWith(user + "\t", StringComparison.Ordinal)).Split('\t');
            row[2].Should().Be(Units.Count(box.Messages.Count));
            row[3].Should().Be(Units.Bytes(box.Messages.Sum(m => m.Size)));
            row[^1].Should().Contain(fetchSizes ? "FETCH RFC822.SIZE" : "STATUS SIZE", "Dovecot offers STATUS=SIZE; --fetch-sizes takes the fallback");
        }

        output.Should().Contain("IMAP target: assumed").And.Contain("working-days, 20:00-07:00, Asia/Tokyo")
            .And.Contain("one window: 2026-09-18 20:00 – 2026-09-19 07:00 (11:00:00)")
            .And.Contain("windows needed: 1").And.Contain("cannot finish in one window: なし / none");
    }

    [Fact]
    public async Task Plan_SlowTarget_NamesTheAccountsThatNeedMoreThanOneNight()
    {
        // One request per 20 minutes: 40 messages and their folders take over 13 hours per mailbox, more than an 11-hour night.
        var (code, output, error) = await mail.Cli.RunAsync("plan", NightJob(), "--items-per-second", "0.000833333");

        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("given: 0.000833333 件/s items/s");
        output.Should().Contain("いいえ / no");
        foreach (var user in Users)
        {
            output.Should().MatchRegex($"cannot finish in one window: .*{user} \\(1[3-9]:\\d\\d:\\d\\d\\)");
        }

        // Three mailboxes, parallelism 4: all at once; the 18th's night (11 h), then the night of the 24th after the silver week.
        output.Should().Contain("windows needed: 2").And.Contain("expected to finish 2026-09-2");
    }

    [Fact]
    public async Task Plan_Windows_SaysHowManyNodesFinishInThem_AndACapacityBelowTheBytesRaisesIt()
    {
        // One mailbox at a time per node; a request rate that makes every mailbox take 8 to 10 hours: one 11-hour night
        // holds one mailbox per lane, so the three mailboxes need three nodes for one night, two for two nights, and one
        // node takes three nights (the 18th, then the 24th and 25th after the silver week).
        var job = NightJob("nightly-one", text => text.Replace("parallelism: 4", "parallelism: 1", StringComparison.Ordinal));
        var requests = Users.Select(u => mail.Manifest[u].Messages.Count + mail.Manifest[u].Folders.Count).ToList();
        requests.Min().Should().BeGreaterThan(requests.Max() * 8 / 10, "the mailboxes are of a size");
        var rate = ((requests.Max() + 1) / (10 * 3600d)).ToString("R", CultureInfo.InvariantCulture);

        var (code, output, error) = await mail.Cli.RunAsync("plan", job, "--items-per-second", rate);

        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("one node's capacity: 1 ノードは 2 コアで最大").And.Contain("one node moves at most").And.Contain("bench/cluster.sh");
        output.Should().Contain("windows needed: 3");
        output.Should().Contain("nodes needed to finish in 1 window(s): 3 (アカウント枠 / account slots: 3 ノード nodes × 並列 parallelism 1; 処理能力 / capacity: 1 ノード nodes");

        (code, output, error) = await mail.Cli.RunAsync("plan", job, "--items-per-second", rate, "--windows", "2");
        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("nodes needed to finish in 2 window(s): 2 (アカウント枠 / account slots: 2 ノード nodes");

        (code, output, error) = await mail.Cli.RunAsync("plan", job, "--items-per-second", rate, "--nodes", "3");
        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("ノード nodes 3").And.Contain("(3 ノード × 並列 1 / 3 nodes × parallelism 1)").And.Contain("windows needed: 1;");

        // A node that moves 1/4.5 of what the bytes need in one night: five nodes, more than the three the slots need.
        var megabytesPerSecond = mail.Manifest.TotalBytes / (1024 * 1024d) / (11 * 3600);
        var capacity = (megabytesPerSecond / 4.5).ToString("R", CultureInfo.InvariantCulture);
        (code, output, error) = await mail.Cli.RunAsync("plan", job, "--items-per-second", rate, "--node-capacity", capacity);
        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain($"one node's capacity: 指定値 / given: {capacity} MB/s per node");
        output.Should().Contain("nodes needed to finish in 1 window(s): 5 (アカウント枠 / account slots: 3 ノード nodes × 並列 parallelism 1; 処理能力 / capacity: 5 ノード nodes");
    }

    [Fact]
    public async Task Plan_WindowsLongerThanOneMailboxCanFit_SaysNoNodeCountIsEnough()
    {
        // The slow target of Plan_SlowTarget_NamesTheAccountsThatNeedMoreThanOneNight: every mailbox alone takes over 13 hours, more than one 11-hour night.
        var (code, output, error) = await mail.Cli.RunAsync("plan", NightJob(), "--items-per-second", "0.000833333", "--windows", "1");

        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().MatchRegex(@"nodes needed to finish in 1 window\(s\): なし / none — \w+ は単独で 1[3-9]:\d\d:\d\d かかり 1 回の窓に収まりません / \w+ alone takes 1[3-9]:\d\d:\d\d, more than 1 window\(s\) hold \(give more --windows\)");
    }

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    public async Task Plan_OnATerminal_FitsTheWidthWithAccountNamesAndHeadersWhole(int width)
    {
        mail.Cli.Environment["COLUMNS"] = width.ToString(CultureInfo.InvariantCulture);

        var (code, output, error) = await mail.Cli.RunAsync("plan", NightJob());

        code.Should().Be(ExitCodes.Success, output + error);
        var lines = output.TrimEnd('\n').Split('\n');
        lines.Should().OnlyContain(l => DisplayWidth.Of(l) <= width, $"every line fits {width} columns:\n{output}");
        lines.Should().OnlyContain(l => l == l.TrimEnd(), "no trailing spaces");
        foreach (var user in Users)
        {
            lines.Should().Contain(l => l.StartsWith(user + " ", StringComparison.Ordinal), $"{user} is whole at the start of its row:\n{output}");
        }

        foreach (var word in new[] { "アカウント", "account", "所要時間", "time", "回の窓で終わる", "fits", "window" })
        {
            output.Should().Contain(word, "the account, its time and whether it fits are kept, their header words whole");
        }

        output.Should().Contain("windows needed: 1");
    }

    [Fact]
    public async Task Plan_Piped_OneRecordPerAccountWithoutPadding()
    {
        var (code, output, error) = await mail.Cli.RunAsync("plan", NightJob());

        code.Should().Be(ExitCodes.Success, output + error);
        var lines = output.TrimEnd('\n').Split('\n');
        lines.Should().NotContain(l => l != l.TrimEnd() || l.Contains('│') || l.Contains('─'), "piped output has no borders and no padding");
        var header = lines.Single(l => l.StartsWith("アカウント / account\t", StringComparison.Ordinal)).Split('\t');
        foreach (var user in Users)
        {
            lines.Single(l => l.StartsWith(user + "\t", StringComparison.Ordinal)).Split('\t').Should().HaveCount(header.Length);
        }
    }

    [Fact]
    public async Task Plan_Json_OneObject_WithTheRateOfTheGivenFileAndWhereItCameFrom()
    {
        // 100 messages/s and 1 s per mailbox: each mailbox 1 + (messages + folders) / 100 s, all three at once; + 2 s.
        var rates = mail.Cli.Write("rehearsal-rates.yaml", "rates:\n  - kind: mail\n    target: imap\n    status: measured\n    items-per-second: 100\n    per-run-seconds: 2\n    per-account-seconds: 1\n    basis: test\n");

        var (code, output, error) = await mail.Cli.RunAsync("plan", NightJob(), "--json", "--rates", rates);

        code.Should().Be(ExitCodes.Success, output + error);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var root = json.RootElement;
        root.GetProperty("kind").GetString().Should().Be("mail");
        root.GetProperty("target").GetString().Should().Be("imap");
        root.GetProperty("accounts").GetInt32().Should().Be(Users.Length);
        root.GetProperty("items").GetInt64().Should().Be(Users.Sum(u => mail.Manifest[u].Messages.Count));
        root.GetProperty("bytes").GetInt64().Should().Be(Users.Sum(u => mail.Manifest[u].Messages.Sum(m => m.Size)));
        var seconds = Users.Select(u => 1 + ((mail.Manifest[u].Messages.Count + mail.Manifest[u].Folders.Count) / 100d)).ToList();
        root.GetProperty("workSeconds").GetDouble().Should().BeApproximately(seconds.Sum(), 0.01);
        root.GetProperty("wallSeconds").GetDouble().Should().BeApproximately(2 + seconds.Max(), 0.01);
        root.GetProperty("windows").GetInt32().Should().Be(1);
        root.GetProperty("rate").GetProperty("source").GetString().Should().EndWith("rehearsal-rates.yaml:2");
        root.GetProperty("rate").GetProperty("status").GetString().Should().Be("measured");
    }

    [Fact]
    public async Task Plan_TheRatesFileInTheEnvironment_IsNamedInTheOutput_AndAJobsPlanSectionOverridesIt()
    {
        mail.Cli.Environment["DXMIG_PLAN_RATES"] = mail.Cli.Write("env-rates.yaml", "rates:\n  - kind: mail\n    target: imap\n    items-per-second: 100\n    basis: env test\n");
        var job = NightJob("nightly-plan", text => text + "\nplan:\n  mb-per-second: 3\n");

        var (code, output, error) = await mail.Cli.RunAsync("plan", job);

        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("target rate: mail → imap: 1 レーンあたり / per lane 100 件/s items/s; 3 MB/s");
        output.Should().MatchRegex(@"rate from: \S*env-rates\.yaml:2; mb-per-second: \S*nightly-plan\.yaml:\d+ \(plan:\) — 想定値 \(実測ではありません\) / assumed, not measured; 根拠 / basis: env test");
    }

    [Fact]
    public async Task Plan_AnAssumedScale_ReadsNoMailbox_AndSaysWhatItAssumed()
    {
        // A source nobody can log in to: the assumed scale does not read it.
        mail.Cli.Environment["DXMIG_SRC_ADMIN_PASSWORD"] = "Wr0ng-assumed-Secret-7731";

        var (code, output, error) = await mail.Cli.RunAsync("plan", NightJob(), "--assume-accounts", "7500", "--assume-bytes", "15TB", "--nodes", "2");

        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("assumed scale, the source not read: 7,500 アカウント accounts, 15 TB, 167,772,160 件 items (1 件 96 KB と想定 / assumed 96 KB per item); 容量はすべて同じ / every account the same size");
        output.Should().Contain("one account's time:").And.Contain("ノード nodes 2").And.NotContain("assumed-00001\t");
        output.Should().MatchRegex(@"cannot finish in one window: (なし / none|.* … ほか \d+ / and \d+ more)");
    }

    [Fact]
    public async Task Plan_All_Json_AnArrayWithOneObjectPerJobOfTheFolder()
    {
        var job = NightJob();
        _ = NightJob("nightly-two");
        var folder = Path.GetDirectoryName(job)!;
        var files = Directory.GetFiles(folder, "*.yaml").Length;

        var (code, output, error) = await mail.Cli.RunAsync("plan", "--all", "--jobs", folder, "--json");

        code.Should().Be(ExitCodes.Success, error);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        files.Should().BeGreaterThanOrEqualTo(2);
        json.RootElement.GetArrayLength().Should().Be(files, "one object per job file of the folder");
        json.RootElement.EnumerateArray().Should().OnlyContain(e => e.GetProperty("kind").GetString() == "mail" && e.GetProperty("job").GetString() == "mail-imap-to-imap");
        json.RootElement.EnumerateArray().Should().OnlyContain(e => e.GetProperty("accounts").GetInt32() == Users.Length);
    }

    [Fact]
    public async Task Plan_AdminPasswordRefusedForEveryMailbox_SaysSoAndEstimatesNothing()
    {
        // A distinctive value: a secret is masked wherever it appears in this process, so a common word ("wrong") would
        // be hidden in every later test's English text too.
        const string wrong = "Wr0ng-plan-Secret-5520";
        mail.Cli.Environment["DXMIG_SRC_ADMIN_PASSWORD"] = wrong;

        var (code, output, error) = await mail.Cli.RunAsync("plan", NightJob());

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain("にログインできません (管理者の資格情報でのログインが拒否されました)").And.Contain("no estimate");
        (output + error).Should().NotContain(wrong).And.NotContain("windows needed", "no estimate is made of nothing");
    }
}
