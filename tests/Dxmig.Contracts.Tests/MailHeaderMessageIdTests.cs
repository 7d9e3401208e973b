using System.Text;
using Dxmig.Contracts.Records;

namespace Dxmig.Contracts.Tests;

public class MailHeaderMessageIdTests
{
    private static string? Id(string text) => MailHeaderBlock.MessageId(Encoding.Latin1.GetBytes(text));

    [Theory]
    [InlineData("Message-ID: <abc@pref.example.jp>\r\nSubject: x\r\n\r\nbody", "abc@pref.example.jp")]
    [InlineData("Subject: x\r\nmessage-id:   <lower@case.jp>  \r\n\r\n", "lower@case.jp")]
    [InlineData("Message-ID:\r\n <folded@line.jp>\r\nFrom: a@b\r\n\r\n", "folded@line.jp")]
    [InlineData("Subject: no id\r\n\r\nMessage-ID: <in-body@no.jp>\r\n", null)]
    [InlineData("Message-Id: bare-id@no-brackets\r\n\r\n", "bare-id@no-brackets")]
    [InlineData("", null)]
    [InlineData("Message-IDX: <not@this.one>\r\n\r\n", null)]
    public void Reads_the_message_id_of_the_header_block_only(string message, string? expected) => Id(message).Should().Be(expected);
}
