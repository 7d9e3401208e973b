using System.Text;
using Dxmig.Imap;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport.Jobs;
using MailKit;
using MailKit.Search;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>
/// <c>dxmig reconcile --deep</c> on an IMAP target: a clean pass hashes every body on both sides and finds no
/// difference; one message's body changed on the target (deleted, and a copy with one byte changed appended with the
/// same Message-ID, flags and date) is found by the deep pass and only by it.
/// </summary>
public sealed class ReconcileMailDeepTests
{
    [Fact]
    public async Task ReconcileDeep_CleanPassFindsNoDifference_ThenABodyChangedOnTheTargetIsReportedAsContent()
    {
        await using var mail = await MailRunHarness.StartAsync(["tanaka"], messages: 12);
        var jobs = new JobLayer(mail.Workspace);
        var run = await jobs.RunAsync(MailRunHarness.Job);
        run.ExitCode.Should().Be(0, run.Explain);

        var clean = Path.Combine(mail.Workspace.Folder, "deep-clean");
        var first = await jobs.ReconcileAsync(MailRunHarness.Job, clean, deep: true);
        first.ExitCode.Should().Be(0, first.Explain);
        var summary = ReportSummary.Read(clean);
        summary["totals"]!["matched"]!.GetValue<long>().Should().Be(mail.Manifest.Mailboxes.Sum(m => m.Messages.Count));
        summary["totals"]!["differences"]!.GetValue<long>().Should().Be(0);

        var tampered = await TamperAsync(mail, "tanaka");

        var shallow = Path.Combine(mail.Workspace.Folder, "shallow");
        var metadata = await jobs.ReconcileAsync(MailRunHarness.Job, shallow);
        metadata.ExitCode.Should().Be(0, "without --deep only flags, date and folder are compared, and they are unchanged: " + metadata.Explain);

        var deep = Path.Combine(mail.Workspace.Folder, "deep");
        var second = await jobs.ReconcileAsync(MailRunHarness.Job, deep, deep: true);
        second.ExitCode.Should().Be(2, second.Explain);
        var found = ReportSummary.Read(deep);
        found["verdicts"]!["incomplete"]!.GetValue<int>().Should().Be(1);
        found["totals"]!["differences"]!.GetValue<long>().Should().Be(1);
        found["totals"]!["missing"]!.GetValue<long>().Should().Be(0);
        var rows = (await File.ReadAllLinesAsync(Path.Combine(deep, "differences.csv"))).Skip(1).ToList();
        rows.Should().ContainSingle().Which.Should().Contain(",content,").And.Contain(",sha256,").And.Contain(tampered.OriginalSha256).And.Contain(tampered.NewSha256)
            .And.Contain(tampered.MessageId);
    }

    private sealed record Tampered(string MessageId, string OriginalSha256, string NewSha256);

    /// <summary>Replaces one INBOX message on the target by a copy whose last body byte differs (same Message-ID, flags, date, size).</summary>
    private static async Task<Tampered> TamperAsync(MailRunHarness mail, string user)
    {
        using var client = await mail.Target.ConnectAsMasterAsync(user);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uid = (await inbox.SearchAsync(SearchQuery.All))[0];
        var summary = (await inbox.FetchAsync([uid], MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Envelope))[0];
        byte[] bytes;
        await using (var stream = await inbox.GetStreamAsync(uid, string.Empty))
        using (var copy = new MemoryStream())
        {
            await stream.CopyToAsync(copy);
            bytes = copy.ToArray();
        }

        var original = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var changed = (byte[])bytes.Clone();
        var at = Array.LastIndexOf(changed, (byte)'\n', changed.Length - 2) + 1; // the last line's first byte
        changed[at] = changed[at] == (byte)'X' ? (byte)'Y' : (byte)'X';
        await inbox.AddFlagsAsync(uid, MessageFlags.Deleted, silent: true);
        await inbox.ExpungeAsync();
        await client.DisconnectAsync(true);

        var endpoint = new ImapEndpoint
        {
            Host = mail.Target.Host, Port = mail.Target.Port, Security = ImapSecurity.None,
            AdminUser = mail.Target.MasterUser, AdminPassword = mail.Target.MasterPassword,
        };
        await using var raw = await RawImapConnection.ConnectAsync(endpoint, user, CancellationToken.None);
        var flags = ImapMetadataReader.Names(summary.Flags!.Value & ~MessageFlags.Recent).Concat(summary.Keywords).ToList();
        await raw.AppendAsync("INBOX", [new AppendItem(flags, summary.InternalDate, changed.Length, () => new MemoryStream(changed))], CancellationToken.None);
        var messageId = summary.Envelope!.MessageId;
        messageId.Should().NotBeNullOrEmpty(Encoding.ASCII.GetString(bytes, 0, Math.Min(200, bytes.Length)));
        return new Tampered(messageId, original, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(changed)));
    }
}
