using Dxmig.Imap;
using Dxmig.Contracts.Records;
using Dxmig.TestSupport;

namespace Dxmig.Imap.Tests;

public sealed class MailPrimitivesTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")] // RFC 3501 section 5.1.3
    [InlineData("R&D", "R&-D")]
    public void ModifiedUtf7_MatchesTheRfcExamples(string name, string encoded)
    {
        ModifiedUtf7.Encode(name).Should().Be(encoded);
        ModifiedUtf7.Decode(encoded).Should().Be(name);
    }

    [Theory]
    [InlineData("送信済み")]
    [InlineData("2024年度/会議資料")]
    [InlineData("取引先/㈱みらい商事")]
    [InlineData("顧客 (重要) 😀")]
    public void ModifiedUtf7_RoundTripsJapaneseNamesInSevenBitAscii(string name)
    {
        var encoded = ModifiedUtf7.Encode(name);

        encoded.Should().MatchRegex("^[\\x20-\\x7e]*$");
        ModifiedUtf7.Decode(encoded).Should().Be(name);
    }

    [Fact]
    public async Task MessageContent_Small_StaysInMemoryWithItsHash()
    {
        var bytes = "Subject: テスト\r\n\r\n本文"u8.ToArray();

        using var content = await MessageContent.CopyAsync(new MemoryStream(bytes), bytes.Length, temp.Path, default);

        content.InMemory.Should().BeTrue();
        content.Sha256.Should().Be(Contracts.Text.ContentHash.Of(bytes));
        using var read = new MemoryStream();
        await content.OpenRead().CopyToAsync(read);
        read.ToArray().Should().Equal(bytes);
        Directory.GetFiles(temp.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task MessageContent_Large_GoesToAnOwnerOnlyFileThatDisposeRemoves()
    {
        var bytes = new byte[MessageContent.MemoryLimit * 3];
        new Random(3).NextBytes(bytes);

        var content = await MessageContent.CopyAsync(new MemoryStream(bytes), bytes.Length, temp.Path, default);

        content.InMemory.Should().BeFalse();
        content.Length.Should().Be(bytes.Length);
        content.Sha256.Should().Be(Contracts.Text.ContentHash.Of(bytes));
        var file = Directory.GetFiles(temp.Path).Should().ContainSingle().Subject;
        File.GetUnixFileMode(file).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        content.Prefix.Span[..10].ToArray().Should().Equal(bytes[..10]);
        content.Dispose();
        File.Exists(file).Should().BeFalse();
    }

    [Fact]
    public async Task MessageContent_LongerThanAnnounced_IsKeptWholeInAFile()
    {
        var bytes = new byte[5000];
        new Random(4).NextBytes(bytes);

        using var content = await MessageContent.CopyAsync(new MemoryStream(bytes), expectedLength: 1000, temp.Path, default);

        content.Length.Should().Be(5000);
        content.Sha256.Should().Be(Contracts.Text.ContentHash.Of(bytes));
        content.InMemory.Should().BeFalse();
        using var read = new MemoryStream();
        await content.OpenRead().CopyToAsync(read);
        read.ToArray().Should().Equal(bytes);
    }

    [Fact]
    public async Task MessageContent_BudgetSpent_GoesToAFileAndDisposeGivesTheBudgetBack()
    {
        var budget = new MemoryBudget(64 * 1024);
        var data = new byte[40 * 1024];

        using var first = await MessageContent.CopyAsync(new MemoryStream(data), data.Length, temp.Path, default, budget);
        var second = await MessageContent.CopyAsync(new MemoryStream(data), data.Length, temp.Path, default, budget);

        first.InMemory.Should().BeTrue();
        second.InMemory.Should().BeFalse("the budget is spent by the first message");
        second.Dispose();
        first.Dispose();
        budget.Used.Should().Be(0);
    }

    [Fact]
    public void MailHashes_FlagsChangeKeepsTheBodyPart()
    {
        var body = new string('a', 64);
        var seen = MailHashes.Content(body, ["\\Seen"], ["$Label1"]);
        var unseen = MailHashes.Content(body, [], ["$Label1"]);

        seen.Should().NotBe(unseen);
        MailHashes.BodyOf(seen).Should().Be(body);
        MailHashes.Content(body, ["\\Seen"], ["$Label1"]).Should().Be(MailHashes.Content(body, ["\\Seen"], ["$Label1"]));
        MailHashes.BodyOf("not-a-mail-hash").Should().BeNull();
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("localhost", true)]
    [InlineData("::1", true)]
    [InlineData("imap.pref.example.jp", false)]
    [InlineData("10.0.0.5", false)]
    public void Endpoint_PlainTextOnlyOnLoopback(string host, bool loopback) =>
        new ImapEndpoint { Host = host, Port = 143 }.IsLoopback.Should().Be(loopback);

    [Fact]
    public void Endpoint_ToString_ShowsNoSecret() =>
        new ImapEndpoint { Host = "h", Port = 993, AdminUser = "admin", AdminPassword = "Secret-123" }.ToString().Should().NotContain("Secret-123");
}
