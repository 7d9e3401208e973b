using System.Net;
using System.Net.Sockets;
using System.Text;
using Dxmig.Imap;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport.Jobs;
using Dxmig.TestSupport.Mail;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>
/// A message the reconciler cannot read is that message's exception, never the mailbox's failure: the source is a
/// scripted server whose answer for UID 2 MailKit cannot take; the target (Dovecot) holds the other two messages.
/// The account is complete with one documented exception (exit 1), listed with its folder, UID and reason.
/// </summary>
public sealed class ReconcileMailUnreadableTests
{
    [Fact]
    public async Task Reconcile_ASourceMessageThatCannotBeRead_IsItsOwnException_TheRestMatches_Exit1()
    {
        await using var mail = await MailRunHarness.StartAsync(["tanaka"], messages: 1);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var source = new ScriptedImapServer(listener, brokenUid: 2);
        var serving = source.ServeAsync(stop.Token);
        mail.Workspace.Environment["DXMIG_SRC_PORT"] = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await AppendToTargetAsync(mail, "tanaka", 1, 3);

        var report = Path.Combine(mail.Workspace.Folder, "report");
        var reconcile = await new JobLayer(mail.Workspace).ReconcileAsync(MailRunHarness.Job, report);

        reconcile.ExitCode.Should().Be(ExitCodes.Quarantined, reconcile.Explain);
        var summary = ReportSummary.Read(report);
        summary["verdicts"]!["completeWithExceptions"]!.GetValue<int>().Should().Be(1, reconcile.Explain);
        summary["totals"]!["matched"]!.GetValue<long>().Should().Be(2);
        summary["totals"]!["exceptions"]!.GetValue<long>().Should().Be(1);
        summary["totals"]!["missing"]!.GetValue<long>().Should().Be(0);
        var rows = (await File.ReadAllLinesAsync(Path.Combine(report, "exceptions.csv"))).Skip(1).ToList();
        rows.Should().ContainSingle().Which.Should().Contain("unreadable").And.Contain("INBOX UID 2")
            .And.Contain("このメッセージは照合できません").And.Contain("this message cannot be reconciled");
        stop.Cancel();
        await serving;
    }

    /// <summary>The scripted source's messages with these UIDs, as the run would have copied them (same Message-ID, \Seen, date).</summary>
    private static async Task AppendToTargetAsync(MailRunHarness mail, string user, params uint[] uids)
    {
        var endpoint = new ImapEndpoint
        {
            Host = mail.Target.Host, Port = mail.Target.Port, Security = ImapSecurity.None,
            AdminUser = mail.Target.MasterUser, AdminPassword = mail.Target.MasterPassword,
        };
        await using var raw = await RawImapConnection.ConnectAsync(endpoint, user, CancellationToken.None);
        foreach (var uid in uids)
        {
            var bytes = Encoding.ASCII.GetBytes($"Message-ID: <m{uid}@example.jp>\r\nSubject: scripted\r\n\r\nbody\r\n");
            await raw.AppendAsync("INBOX", [new AppendItem(["\\Seen"], new DateTimeOffset(2024, 4, 2, 10, 0, 0, TimeSpan.FromHours(9)), bytes.Length, () => new MemoryStream(bytes))], CancellationToken.None);
        }
    }
}
