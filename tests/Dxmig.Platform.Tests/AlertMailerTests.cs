using Dxmig.Platform.Alerts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Platform.Tests;

public class AlertMailerTests
{
    private static readonly AlertSettings Settings = new("127.0.0.1", 25, "none", null, "dxmig@pref.example.jp", ["admin@pref.example.jp"], null, null, AlertWhen.Failure);

    private static RunResult Result(RunOutcome outcome) =>
        new(new LedgerRun { RunId = "r1", Job = "j", Node = "n", Outcome = outcome, Seen = 10, Loaded = 9, Quarantined = 1 }, []);

    [Theory]
    [InlineData(RunOutcome.Succeeded, false)]
    [InlineData(RunOutcome.CompletedWithQuarantine, false)]
    [InlineData(RunOutcome.Stopped, false)]
    [InlineData(RunOutcome.CompletedWithWarnings, true)]
    [InlineData(RunOutcome.Failed, true)]
    [InlineData(RunOutcome.Interrupted, true)]
    public void Failures_and_warnings_a_person_must_read_are_mailed(RunOutcome outcome, bool mailed) =>
        new AlertMailer(Settings, _ => null, NullLogger.Instance).ShouldSend(Result(outcome), incomplete: false).Should().Be(mailed);

    [Fact]
    public void An_incomplete_reconciliation_is_mailed_and_warnings_say_needs_attention()
    {
        var mailer = new AlertMailer(Settings, _ => null, NullLogger.Instance);
        mailer.ShouldSend(Result(RunOutcome.Succeeded), incomplete: true).Should().BeTrue();
        mailer.Compose("j", Result(RunOutcome.CompletedWithWarnings), null, "/reports/r1").Subject.Should().Contain("要確認").And.Contain("needs attention");
        mailer.Compose("j", Result(RunOutcome.Failed), null, null).Subject.Should().Contain("要対応");
    }
}
