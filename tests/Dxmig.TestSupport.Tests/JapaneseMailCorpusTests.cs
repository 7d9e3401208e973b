using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Dxmig.Contracts.Text;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Mail;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Xunit.Abstractions;

namespace Dxmig.TestSupport.Tests;

public sealed class JapaneseMailCorpusTests(DovecotFixture dovecot, ITestOutputHelper output) : IClassFixture<DovecotFixture>
{
    [Fact]
    public void Generate_IsDeterministic_AndDiffersPerUser()
    {
        var corpus = new JapaneseMailCorpus();

        var first = Hashes(corpus.Generate("tanaka"));
        var again = Hashes(new JapaneseMailCorpus().Generate("tanaka"));
        var other = Hashes(corpus.Generate("suzuki"));

        first.Should().HaveCount(corpus.Options.MessagesPerMailbox).And.Equal(again);
        other.Should().NotIntersectWith(first);
    }

    [Fact]
    public void Generate_HasEveryCaseFlagKeywordAndFolder()
    {
        var messages = new JapaneseMailCorpus().Generate("tanaka").ToList();

        messages.Select(m => m.Kind).Distinct().Should().BeEquivalentTo(Enum.GetValues<CorpusMessageKind>());
        messages.Select(m => m.Folder).Distinct().Should().BeEquivalentTo(JapaneseMailCorpus.Folders);
        messages.SelectMany(m => m.Keywords).Distinct().Should().BeEquivalentTo(JapaneseMailCorpus.Keywords);
        foreach (var flag in new[] { MessageFlags.Seen, MessageFlags.Flagged, MessageFlags.Answered, MessageFlags.Draft })
        {
            messages.Should().Contain(m => m.Flags.HasFlag(flag), flag.ToString());
        }

        messages.Should().OnlyContain(m => m.InternalDate.Offset == TimeSpan.FromHours(9));
        messages.Select(m => m.InternalDate.Year).Distinct().Count().Should().BeGreaterThanOrEqualTo(4);
        messages.Where(m => !EndsInCrLfOnly(m.Bytes)).Should().BeEmpty("MailKit would add a CRLF, and Dovecot would turn a bare LF into CRLF");
    }

    [Fact]
    public void Generate_HardCasesAreReallyThere()
    {
        JapaneseEncodings.EnsureRegistered();
        var messages = new JapaneseMailCorpus().Generate("tanaka").ToList();
        var sjis = JapaneseEncodings.StrictCp932();

        var iso = Load(messages.First(m => m.Kind == CorpusMessageKind.Iso2022Jp));
        HeaderLine(iso.Raw, "Subject").Should().StartWith("Subject: =?iso-2022-jp?");
        iso.Mime.TextBody.Should().Contain("様");
        new JapaneseMailCorpus().Generate("tanaka").Select(Load).Select(m => m.Mime.TextBody ?? string.Empty)
            .Should().Contain(t => t.Contains('①')).And.Contain(t => t.Contains('㈱')).And.Contain(t => t.Contains('髙')).And.Contain(t => t.Contains('～'));

        var raw = messages.First(m => m.Kind == CorpusMessageKind.Raw8BitHeaders).Bytes.ToArray();
        var subject = Encoding.Latin1.GetString(raw).Split("\r\n").First(l => l.StartsWith("Subject: ", StringComparison.Ordinal));
        subject.Should().NotContain("=?");
        sjis.GetString(Encoding.Latin1.GetBytes(subject)).Should().Contain("①②の件 ㈱みらい商事 髙橋～");
        Encoding.Latin1.GetString(raw).Split("\r\n").First(l => l.StartsWith("From: ", StringComparison.Ordinal)).Should().MatchRegex("[\u0080-\u00ff]");

        var broken = Encoding.ASCII.GetString(messages.First(m => m.Kind == CorpusMessageKind.BrokenBoundary).Bytes.Span);
        var boundary = broken.Split("boundary=\"")[1].Split('"')[0];
        broken.Should().Contain("--" + boundary + "\r\n").And.NotContain("--" + boundary + "--");

        var long_ = Encoding.ASCII.GetString(messages.First(m => m.Kind == CorpusMessageKind.LongHeader).Bytes.Span);
        long_.Split("\r\n").Max(l => l.Length).Should().BeGreaterThan(2000);

        foreach (var kind in new[] { CorpusMessageKind.Draft, CorpusMessageKind.NoMessageId })
        {
            var message = messages.First(m => m.Kind == kind);
            var text = Encoding.UTF8.GetString(message.Bytes.Span);
            message.MessageId.Should().BeNull();
            text.Should().NotContain("Message-Id:").And.NotContain("Message-ID:").And.NotContain("Received:");
        }

        var attachment = Load(messages.First(m => m.Kind == CorpusMessageKind.Attachment));
        attachment.Mime.Attachments.OfType<MimePart>().Select(a => a.FileName).Should().HaveCount(2).And.OnlyContain(n => n.Any(c => c > 0x7f));
        attachment.Mime.Attachments.OfType<MimePart>().Select(DecodedLength).Should().Equal(new JapaneseMailCorpusOptions().AttachmentSizes.Select(s => (long)s));
    }

    [Fact]
    public void SizeProfiles_RealWorldMatchesRealMail()
    {
        var sizes = MessageSizeDistribution.RealWorld.Sample(2000, new Random(1)).Order().ToList();

        sizes[1000].Should().BeInRange(7_000, 9_500, "the median is about 8 KB");
        sizes.Count(s => s is >= 100_000 and <= 2_000_000).Should().BeInRange(190, 210);
        sizes.Count(s => s >= 10_000_000).Should().Be(3);
        MessageSizeDistribution.Small.Sample(500, new Random(1)).Should().OnlyContain(s => s <= 24_000);

        var corpus = new JapaneseMailCorpus(new JapaneseMailCorpusOptions { MessagesPerMailbox = 300, IncludeSpecialCases = false, Sizes = MessageSizeDistribution.RealWorld });
        var actual = corpus.Generate("tanaka").Select(m => m.Bytes.Length).Order().ToList();
        actual[150].Should().BeInRange(5_000, 13_000, "generated messages are about their target size");
        actual.Count(s => s >= 100_000).Should().BeInRange(20, 40);
    }

    [Fact]
    public async Task Fill_ReadBack_MatchesTheManifestExactly()
    {
        var corpus = new JapaneseMailCorpus();

        var manifest = await corpus.FillAsync(dovecot.Server, "tanaka");

        manifest.Messages.Should().HaveCount(corpus.Options.MessagesPerMailbox);
        manifest.Messages.Select(m => (m.Folder, m.Uid)).Should().OnlyHaveUniqueItems();
        using var client = await dovecot.Server.ConnectAsMasterAsync("tanaka");
        var folders = await ImapMailboxReader.ReadFolderNamesAsync(client);
        var stored = await ImapMailboxReader.ReadMessagesAsync(client);
        await client.DisconnectAsync(true);

        folders.Should().BeEquivalentTo(JapaneseMailCorpus.Folders);
        var expected = manifest.Messages.Select(m => m.ToStored()).OrderBy(m => m.Folder, StringComparer.Ordinal).ThenBy(m => m.Uid);
        stored.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering().ComparingRecordsByMembers());
        var onDisk = Directory.EnumerateFiles(Path.Combine(dovecot.Server.MailDirectory("tanaka"), "a.b.c", "cur")).Single();
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(onDisk))).Should().Be(manifest.InFolder("a.b.c").Single().Sha256, "mail_save_crlf keeps the stored file byte-identical");
    }

    [Fact]
    public async Task Fill_AppendsInMultiAppendBatches()
    {
        using var log = new MemoryStream();
        using var client = new ImapClient(new ProtocolLogger(log, leaveOpen: true));
        await client.ConnectAsync(dovecot.Server.Host, dovecot.Server.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(dovecot.Server.MasterLogin("suzuki"), dovecot.Server.MasterPassword);
        var corpus = new JapaneseMailCorpus(new JapaneseMailCorpusOptions { MessagesPerMailbox = 150, AppendBatchSize = 50 });

        var manifest = await corpus.FillAsync(client, "suzuki");
        await client.DisconnectAsync(true);

        var appends = Encoding.Latin1.GetString(log.ToArray()).Split('\n').Count(l => Regex.IsMatch(l, "^C: [A-Z]+[0-9]+ APPEND "));
        manifest.Messages.Should().HaveCount(150);
        appends.Should().BeInRange(JapaneseMailCorpus.Folders.Count, JapaneseMailCorpus.Folders.Count + 3, "one MULTIAPPEND per folder, and one more per 50 messages");
    }

    [Fact]
    public async Task Fill_TenMailboxesOfTwoThousand_WellUnderAMinute()
    {
        var corpus = new JapaneseMailCorpus(new JapaneseMailCorpusOptions { MessagesPerMailbox = 2000 });
        var users = Enumerable.Range(1, 10).Select(i => $"user{i:D2}").ToList();
        var clock = Stopwatch.StartNew();

        var manifest = await corpus.FillAsync(dovecot.Server, users);

        output.WriteLine($"10 x 2,000 messages, {manifest.TotalBytes / 1024 / 1024} MiB, appended in {clock.Elapsed.TotalSeconds:F1} s");
        manifest.Messages.Should().HaveCount(20_000);
        manifest.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60));
        using var client = await dovecot.Server.ConnectAsMasterAsync("user07");
        var inbox = await client.GetFolderAsync(JapaneseMailCorpus.Inbox);
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        inbox.Count.Should().Be(manifest["user07"].InFolder(JapaneseMailCorpus.Inbox).Count());
        await client.DisconnectAsync(true);
    }

    private static List<string> Hashes(IEnumerable<CorpusMessage> messages) =>
        [.. messages.Select(m => Convert.ToHexString(SHA256.HashData(m.Bytes.Span)) + m.Flags + string.Join(',', m.Keywords) + m.InternalDate.ToString("O", System.Globalization.CultureInfo.InvariantCulture))];

    private static (MimeMessage Mime, string Raw) Load(CorpusMessage message)
    {
        using var stream = new MemoryStream(message.Bytes.ToArray());
        return (MimeMessage.Load(stream), Encoding.Latin1.GetString(message.Bytes.Span));
    }

    private static long DecodedLength(MimePart part)
    {
        using var decoded = new MemoryStream();
        part.Content!.DecodeTo(decoded);
        return decoded.Length;
    }

    private static string HeaderLine(string raw, string name) =>
        raw.Split("\r\n").First(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));

    private static bool EndsInCrLfOnly(ReadOnlyMemory<byte> message)
    {
        var bytes = message.Span;
        if (!bytes.EndsWith("\r\n"u8))
        {
            return false;
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r'))
            {
                return false;
            }
        }

        return true;
    }
}
