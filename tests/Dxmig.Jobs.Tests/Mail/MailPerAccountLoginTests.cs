using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>
/// <c>login: per-account</c> end to end: the source is read with each account's own password from the job's
/// <c>account-passwords-file</c> (no admin credential). A wrong password for one account fails that account alone with
/// a sentence that says which password to check; the other account is copied and reconciles complete; no password
/// appears in the console, the logs, the ledger or the reconciliation report.
/// </summary>
public sealed class MailPerAccountLoginTests
{
    private const string WrongPassword = "Wrong-Password-7Q4z";

    [Fact]
    public async Task Run_PerAccountLogin_WrongPasswordFailsThatAccountOnly_AndNoPasswordIsWrittenAnywhere()
    {
        await using var mail = await MailRunHarness.StartAsync(["tanaka", "suzuki"], messages: 6);
        var right = mail.Source.Users["tanaka"];
        var passwords = mail.Workspace.Write("secrets/source-passwords.csv", $"# account,password\ntanaka,{right}\nsuzuki,{WrongPassword}\n");
        var job = mail.JobVariant("per-account", text => ReplaceFirst(
            text, "  login: master-user                          # master-user | sasl-authzid | per-account",
            $"  login: per-account\n  account-passwords-file: {passwords}"));
        var jobs = new JobLayer(mail.Workspace);

        var run = await jobs.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Failed, run.Explain);
        var tanaka = run.Account("tanaka");
        tanaka.Outcome.Should().Be(RunOutcome.Succeeded, run.Explain);
        tanaka.Loaded.Should().Be(mail.Manifest["tanaka"].Messages.Count);
        await mail.AssertTargetHoldsAsync("tanaka", mail.Manifest["tanaka"].Messages.Select(m => m.ToStored()));
        var suzuki = run.Account("suzuki");
        suzuki.Outcome.Should().Be(RunOutcome.Failed, run.Explain);
        suzuki.Message.Should().Contain("suzuki").And.Contain("パスワード").And.Contain("account-passwords-file").And.Contain("refused");
        suzuki.Loaded.Should().Be(0);
        (await mail.TargetMessagesAsync("suzuki")).Should().BeEmpty();

        var report = Path.Combine(mail.Workspace.Folder, "report");
        var reconcile = await jobs.ReconcileAsync(job, report, accounts: ["tanaka"]);
        reconcile.ExitCode.Should().Be(0, reconcile.Explain);

        var written = run.Explain + reconcile.Explain + string.Concat(Directory.EnumerateFiles(mail.Workspace.Folder, "*", SearchOption.AllDirectories)
            .Where(f => f != passwords && !f.EndsWith(".yaml", StringComparison.Ordinal))
            .Select(f => System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f))));
        written.Should().NotContain(right).And.NotContain(WrongPassword);
    }

    private static string ReplaceFirst(string text, string what, string with)
    {
        var at = text.IndexOf(what, StringComparison.Ordinal);
        at.Should().BeGreaterThanOrEqualTo(0, $"the example job has '{what}'");
        return text[..at] + with + text[(at + what.Length)..];
    }
}
