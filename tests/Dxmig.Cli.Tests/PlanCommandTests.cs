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

    private string NightJob() => mail.JobVariant("nightly", text => text.Replace(
        "source:\n", "schedule:\n  calendar: working-days\n  window: \"20:00-07:00\"\nsource:\n", StringComparison.Ordinal));

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
            var row = output.Split('\n').Single(l => l.Contains($" {user} ", StringComparison.Ordinal));
            row.Should().Contain($" {Units.Count(box.Messages.Count)} ").And.Contain(Units.Bytes(box.Messages.Sum(m => m.Size)));
            row.Should().Contain(fetchSizes ? "FETCH RFC822.SIZE" : "STATUS SIZE", "Dovecot offers STATUS=SIZE; --fetch-sizes takes the fallback");
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
    public async Task Plan_UnreachableMailbox_IsListedAndExits2()
    {
        mail.Cli.Environment["DXMIG_SRC_ADMIN_PASSWORD"] = "wrong";

        var (code, output, error) = await mail.Cli.RunAsync("plan", NightJob());

        code.Should().Be(ExitCodes.Failed);
        output.Should().Contain("読めません / not read").And.NotContain("wrong");
        error.Should().Contain("3 account(s) could not be read");
    }
}
