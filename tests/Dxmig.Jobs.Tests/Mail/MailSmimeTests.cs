using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Jobs;
using MailKit;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>
/// S/MIME through each path: the Graph path creates the message anew from JSON (as Exchange does), so a signature over
/// the original bytes no longer verifies; the byte-exact path (IMAP) keeps it verifying.
/// </summary>
public sealed class MailSmimeTests
{
    [Fact]
    public async Task Run_GraphPath_SignedMessageArrivesButItsSignatureNoLongerVerifies()
    {
        using var smime = new SmimeSamples();
        await using var mail = await MailGraphHarness.StartAsync(["tanaka"], messages: 5);
        var signed = smime.SignedMessage();
        smime.SignatureVerifies(signed).Should().BeTrue("the sample verifies before migration");
        await AppendToSourceAsync(mail.Source, "tanaka", signed);
        smime.SignatureVerifies(await SourceBytesAsync(mail.Source, "tanaka", SmimeSubject)).Should().BeTrue("the source copy verifies");

        var run = await new JobLayer(mail.Workspace).RunAsync(MailGraphHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        var arrived = mail.Graph.Store.AllMessages(MailGraphHarness.Upn("tanaka")).Where(m => m.Subject == SmimeSubject)
            .Should().ContainSingle("the signed message arrives once").Subject;
        var served = arrived.RenderMime();
        smime.SignatureVerifies(served).Should().BeFalse("Exchange re-renders a message created from JSON: the signed bytes are gone");
    }

    internal const string SmimeSubject = "署名付き: 予算資料の送付";

    internal static async Task<byte[]> SourceBytesAsync(DovecotServer server, string user, string subject)
    {
        using var client = await server.ConnectAsMasterAsync(user);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var uid = (await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.SubjectContains(subject))).Single();
        await using var stream = await client.Inbox.GetStreamAsync(uid, string.Empty);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        await client.DisconnectAsync(true);
        return copy.ToArray();
    }

    internal static async Task AppendToSourceAsync(DovecotServer server, string user, byte[] message, string folder = "INBOX")
    {
        using var client = await server.ConnectAsMasterAsync(user);
        var target = folder == "INBOX" ? client.Inbox : await client.GetFolderAsync(folder);
        using var stream = new MemoryStream(message);
        var crlf = MimeKit.FormatOptions.Default.Clone();
        crlf.NewLineFormat = MimeKit.NewLineFormat.Dos;
        await target.AppendAsync(crlf, new AppendRequest(MimeKit.MimeMessage.Load(stream), MessageFlags.Seen) { InternalDate = new DateTimeOffset(2024, 4, 1, 9, 5, 0, TimeSpan.FromHours(9)) });
        await client.DisconnectAsync(true);
    }
}
