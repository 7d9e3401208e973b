using System.Text;
using Dxmig.Contracts.Text;
using Dxmig.Transformers.Mail;
using MimeKit;

namespace Dxmig.Transformers.Tests;

public sealed class HeaderRepairTests
{
    static HeaderRepairTests() => JapaneseEncodings.EnsureRegistered();

    [Fact]
    public void Repair_RawShiftJisSubjectAndFrom_BecomeEncodedWordsThatDecodeToTheSameText()
    {
        var cp932 = Encoding.GetEncoding(932);
        var header = Concat(
            "Message-ID: <a@example.jp>\r\n"u8.ToArray(),
            cp932.GetBytes("Subject: 会議資料①㈱髙橋の件について、長い件名が折り返されるかどうかも確認します\r\n"),
            cp932.GetBytes("From: 髙橋 一郎 <ichiro@example.jp>\r\n"),
            "Date: Mon, 1 Apr 2024 09:00:00 +0900\r\n\r\n"u8.ToArray());

        var (repaired, fields) = HeaderRepair.Repair(header)!.Value;

        fields.Should().Equal("Subject", "From");
        repaired.Should().OnlyContain(b => b < 0x80, "the repaired header is 7-bit");
        var text = Encoding.ASCII.GetString(repaired);
        text.Replace("\r\n", string.Empty, StringComparison.Ordinal).Should().NotContain("\n", "every line ends in CRLF");
        text.Split("\r\n").Should().OnlyContain(l => l.Length <= 998);
        System.Text.RegularExpressions.Regex.Matches(text, @"=\?[^?]+\?[bBqQ]\?[^?]*\?=").Should().NotBeEmpty().And.OnlyContain(m => m.Length <= 75, "an encoded-word is at most 75 characters (RFC 2047)");
        Encoding.ASCII.GetString(repaired).Should().StartWith("Message-ID: <a@example.jp>\r\n").And.EndWith("Date: Mon, 1 Apr 2024 09:00:00 +0900\r\n\r\n");
        var message = MimeMessage.Load(new MemoryStream(Concat(repaired, "body"u8.ToArray())));
        message.Subject.Should().Be("会議資料①㈱髙橋の件について、長い件名が折り返されるかどうかも確認します");
        message.From.Mailboxes.Single().Name.Should().Be("髙橋 一郎");
        message.From.Mailboxes.Single().Address.Should().Be("ichiro@example.jp");
    }

    [Fact]
    public void Repair_DeclaredCharset_IsTriedFirst()
    {
        var header = Concat(Encoding.UTF8.GetBytes("Subject: ＵＴＦ８の件名\r\n"), "Content-Type: text/plain; charset=utf-8\r\n\r\n"u8.ToArray());

        var (repaired, _) = HeaderRepair.Repair(header)!.Value;

        MimeMessage.Load(new MemoryStream(Concat(repaired, "x"u8.ToArray()))).Subject.Should().Be("ＵＴＦ８の件名");
    }

    [Fact]
    public void Repair_SevenBitHeader_NeedsNothing() =>
        HeaderRepair.Repair("Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\r\n\r\n"u8.ToArray()).Should().BeNull();

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
